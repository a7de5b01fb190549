/*
 * A VNC viewer for the tests (libvncclient): connects to vessel's server,
 * reads the built-in guest's screen (vessel.test=display) and checks it
 * against the pattern guest/display.c documents, counts what updates cost,
 * sends input, or saves the screen as a PNG.
 *
 * usage: vnc_client [-p PASSWORD_FILE] ADDR:PORT|unix:PATH COMMAND [ARG]
 *   pattern          every pixel of the first frame matches the pattern
 *   hold SECONDS     pattern, then stay connected (a second viewer's test)
 *   redraw SECONDS   pattern, then count the updates of SECONDS: each must
 *                    lie inside the redrawn square; prints their cost
 *   input            pattern, then send keys and pointer moves
 *   bench SECONDS    after a second to settle, what SECONDS of updates cost (no checks)
 *   png FILE         save the first frame
 *   ppm FILE         save the first frame as a binary PPM (P6), for "changed"
 *   lit              count the first frame's pixels that are not black, and their
 *                    bounding box (is anything drawn on a black console?)
 *   changed FILE     count the pixels of the first frame that differ from the
 *                    PPM FILE (an earlier "ppm" of the same screen), and their box
 *   pixel X,Y        print the first frame's pixel at (X, Y) as RRGGBB
 *   quit             press and release Escape (the guest's quit key)
 *   refused          the connection must fail (a wrong password)
 *   stall SECONDS    pattern, then ask for raw updates every 10 ms and read
 *                    nothing for SECONDS: succeeds once the server lets go
 *                    of us (our requests fail), and says after how long
 */
#include <rfb/keysym.h>
#include <rfb/rfbclient.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define SQUARE_X	32
#define SQUARE_Y	32
#define SQUARE_SIZE	32
#define BORDER		0xff8000

static const uint32_t bars[8] = {
	0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000,
};

struct viewer {
	char *password;
	unsigned frames, updates, rects, cursor_w, cursor_h;
	unsigned long long covered;	/* pixels received before the first whole frame */
	int square_changes;		/* the guest redraws the square (redraw, bench) */
	int x0, y0, x1, y1;		/* bounding box of the rectangles since the first frame */
	int outside;			/* rectangles seen outside the square after the first frame */
};

/*
 * Under LeakSanitizer (the ASan build): libvncclient 0.9.14 keeps a string
 * past a refused connection's cleanup; that is the library's, not ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libvncclient.so\n";
}

/* The viewer's state, kept with its libvncclient client. */
static struct viewer *viewer_of(rfbClient *cl)
{
	return rfbClientGetClientData(cl, (void *)viewer_of);
}

static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Bytes this process has read (the socket is all it reads): /proc/self/io's rchar. */
static unsigned long long bytes_read(void)
{
	unsigned long long v = 0;
	char line[128];
	FILE *f = fopen("/proc/self/io", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static char *get_password(rfbClient *cl)
{
	struct viewer *v = viewer_of(cl);

	return strdup(v->password ? v->password : "");
}

static void got_update(rfbClient *cl, int x, int y, int w, int h)
{
	struct viewer *v = viewer_of(cl);

	if (!v->frames) {
		v->covered += (unsigned long long)w * h;
		return;
	}
	v->rects++;
	if (x < v->x0)
		v->x0 = x;
	if (y < v->y0)
		v->y0 = y;
	if (x + w > v->x1)
		v->x1 = x + w;
	if (y + h > v->y1)
		v->y1 = y + h;
	if (x < SQUARE_X || y < SQUARE_Y || x + w > SQUARE_X + SQUARE_SIZE ||
	    y + h > SQUARE_Y + SQUARE_SIZE)
		v->outside++;
}

/* The first frame is whole once its rectangles covered the screen (the server sends it so). */
static void finished_update(rfbClient *cl)
{
	struct viewer *v = viewer_of(cl);

	if (v->frames)
		v->updates++;
	else if (v->covered >= (unsigned long long)cl->width * cl->height)
		v->frames++;
}

static void got_cursor(rfbClient *cl, int xhot, int yhot, int w, int h, int bpp)
{
	struct viewer *v = viewer_of(cl);

	(void)xhot;
	(void)yhot;
	(void)bpp;
	v->cursor_w = (unsigned)w;
	v->cursor_h = (unsigned)h;
}

static uint32_t pixel(rfbClient *cl, int x, int y)
{
	const uint8_t *p = cl->frameBuffer + ((size_t)y * cl->width + x) * 4;

	/* The client's format: red in the low byte (rfbGetClient(8, 3, 4)). */
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t expected(int x, int y, int w, int h)
{
	int cx = w / 2 - 32, cy = h / 2 - 32, i;

	if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
		return BORDER;
	if (x >= cx && x < cx + 64 && y >= cy && y < cy + 64)
		return ((y - cy) / 8 + (x - cx) / 8) % 2 ? 0x000000 : 0xffffff;
	for (i = 7; i > 0 && x < i * w / 8; i--)
		;
	return bars[i];
}

static int in_square(int x, int y)
{
	return x >= SQUARE_X && x < SQUARE_X + SQUARE_SIZE && y >= SQUARE_Y &&
	       y < SQUARE_Y + SQUARE_SIZE;
}

static int check_pattern(rfbClient *cl)
{
	struct viewer *v = viewer_of(cl);
	unsigned bad = 0;
	int x, y;

	for (y = 0; y < cl->height; y++)
		for (x = 0; x < cl->width; x++) {
			uint32_t p = pixel(cl, x, y), e = expected(x, y, cl->width, cl->height);

			/* The redrawn square's colour changes each time: any will do there. */
			if (p == e || (v->square_changes && in_square(x, y)))
				continue;
			if (!bad++)
				fprintf(stderr, "vnc_client: pixel (%d,%d) is %06x, the pattern has %06x\n",
					x, y, p, e);
		}
	if (bad) {
		fprintf(stderr, "vnc_client: %u pixels differ from the pattern\n", bad);
		return 1;
	}
	printf("pattern: %dx%d ok\n", cl->width, cl->height);
	return 0;
}

/* Serve the connection for @seconds, or (with @seconds 0) until the first frame. */
static int run(rfbClient *cl, double seconds)
{
	struct viewer *v = viewer_of(cl);
	double end = now() + (seconds > 0 ? seconds : 30);

	while (now() < end) {
		int n = WaitForMessage(cl, 50000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl))) {
			fprintf(stderr, "vnc_client: the server closed the connection\n");
			return 1;
		}
		if (seconds <= 0 && v->frames)
			return 0;
	}
	if (seconds <= 0) {
		fprintf(stderr, "vnc_client: no frame in 30 s\n");
		return 1;
	}
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int png_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t head[8];
	uLong crc = crc32(0, (const Bytef *)type, 4);

	put32(head, len);
	memcpy(head + 4, type, 4);
	crc = crc32(crc, data, len);
	put32(head, len);
	fwrite(head, 1, 8, f);
	fwrite(data, 1, len, f);
	put32(head, (uint32_t)crc);
	return fwrite(head, 1, 4, f) == 4 ? 0 : -1;
}

/* The frame as an 8-bit RGB PNG (ISO/IEC 15948): one IDAT, filter 0 on each row. */
static int save_png(rfbClient *cl, const char *path)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t row = (size_t)cl->width * 3 + 1, raw_len = row * cl->height;
	uLongf z_len = compressBound(raw_len);
	uint8_t ihdr[13] = { 0 }, *raw = malloc(raw_len), *z = malloc(z_len);
	FILE *f = fopen(path, "wb");
	int x, y, r = -1;

	if (!raw || !z || !f)
		goto out;
	for (y = 0; y < cl->height; y++) {
		uint8_t *d = raw + row * y;

		*d++ = 0;
		for (x = 0; x < cl->width; x++) {
			uint32_t p = pixel(cl, x, y);

			*d++ = (uint8_t)(p >> 16);
			*d++ = (uint8_t)(p >> 8);
			*d++ = (uint8_t)p;
		}
	}
	if (compress2(z, &z_len, raw, raw_len, 9) != Z_OK)
		goto out;
	put32(ihdr, (uint32_t)cl->width);
	put32(ihdr + 4, (uint32_t)cl->height);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 2;	/* truecolour */
	fwrite(sig, 1, sizeof(sig), f);
	if (png_chunk(f, "IHDR", ihdr, 13) || png_chunk(f, "IDAT", z, (uint32_t)z_len) ||
	    png_chunk(f, "IEND", NULL, 0))
		goto out;
	r = 0;
out:
	if (f && fclose(f))
		r = -1;
	free(raw);
	free(z);
	return r;
}

/* The frame as a binary PPM (netpbm's P6): a header, then RGB bytes row by row. */
static int save_ppm(rfbClient *cl, const char *path)
{
	FILE *f = fopen(path, "wb");
	int x, y, r = 0;

	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", cl->width, cl->height);
	for (y = 0; y < cl->height; y++)
		for (x = 0; x < cl->width; x++) {
			uint32_t p = pixel(cl, x, y);

			fputc((int)(p >> 16), f);
			fputc((int)(p >> 8) & 0xff, f);
			fputc((int)p & 0xff, f);
		}
	if (ferror(f))
		r = -1;
	if (fclose(f))
		r = -1;
	return r;
}

/* A PPM that save_ppm wrote for a screen of the frame's size: its RGB bytes, or NULL. */
static uint8_t *load_ppm(rfbClient *cl, const char *path)
{
	size_t len = (size_t)cl->width * cl->height * 3;
	FILE *f = fopen(path, "rb");
	uint8_t *rgb = NULL;
	int w, h, max;

	if (!f) {
		fprintf(stderr, "vnc_client: cannot open %s\n", path);
		return NULL;
	}
	if (fscanf(f, "P6 %d %d %d", &w, &h, &max) != 3 || fgetc(f) != '\n' || max != 255) {
		fprintf(stderr, "vnc_client: %s is not a PPM from vnc_client ppm\n", path);
		goto out;
	}
	if (w != cl->width || h != cl->height) {
		fprintf(stderr, "vnc_client: %s is %dx%d, the screen %dx%d\n", path, w, h,
			cl->width, cl->height);
		goto out;
	}
	rgb = malloc(len);
	if (rgb && fread(rgb, 1, len, f) != len) {
		fprintf(stderr, "vnc_client: %s is cut short\n", path);
		free(rgb);
		rgb = NULL;
	}
out:
	fclose(f);
	return rgb;
}

/*
 * Print how many pixels of the frame differ from @ref (RGB bytes of a screen of
 * the same size; NULL: black) and the box that holds them all.
 */
static void count_differing(rfbClient *cl, const uint8_t *ref, const char *what)
{
	unsigned long n = 0;
	int x, y, x0 = cl->width, y0 = cl->height, x1 = 0, y1 = 0;

	for (y = 0; y < cl->height; y++)
		for (x = 0; x < cl->width; x++) {
			const uint8_t *q = ref ? ref + ((size_t)y * cl->width + x) * 3 : NULL;
			uint32_t e = q ? (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2] : 0;

			if (pixel(cl, x, y) == e)
				continue;
			n++;
			x0 = x < x0 ? x : x0;
			y0 = y < y0 ? y : y0;
			x1 = x + 1 > x1 ? x + 1 : x1;
			y1 = y + 1 > y1 ? y + 1 : y1;
		}
	if (!n)
		x0 = y0 = 0;
	printf("%s: %lu pixels in %d,%d %dx%d of %dx%d\n", what, n, x0, y0, x1 - x0, y1 - y0,
	       cl->width, cl->height);
}

static int compare_with(rfbClient *cl, const char *path)
{
	uint8_t *ref = load_ppm(cl, path);

	if (!ref)
		return 1;
	count_differing(cl, ref, "changed");
	free(ref);
	return 0;
}

static int send_input(rfbClient *cl)
{
	static const uint32_t keys[] = { XK_a, XK_Z, XK_1, XK_Return, XK_Shift_L, XK_F1,
					 XK_Left, XK_KP_Enter };
	unsigned i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!SendKeyEvent(cl, keys[i], TRUE) || !SendKeyEvent(cl, keys[i], FALSE))
			return 1;
	/* The screen's corners and its middle, a click at the middle. */
	if (!SendPointerEvent(cl, 0, 0, 0) ||
	    !SendPointerEvent(cl, cl->width - 1, cl->height - 1, 0) ||
	    !SendPointerEvent(cl, cl->width / 2, cl->height / 2, 1) ||
	    !SendPointerEvent(cl, cl->width / 2, cl->height / 2, 0))
		return 1;
	printf("input: sent %zu keys (down and up), 4 pointer events\n",
	       sizeof(keys) / sizeof(keys[0]));
	return run(cl, 1);
}

/* The updates of @seconds (after @settle seconds): their count, rectangles, bytes. */
static int measure(rfbClient *cl, double seconds, double settle)
{
	struct viewer *v = viewer_of(cl);
	unsigned long long b0;
	double t0;

	if (settle > 0 && run(cl, settle))
		return -1;
	printf("measure: start\n");	/* bench/desktop-sample.py samples CPU from here */
	fflush(stdout);
	b0 = bytes_read();
	t0 = now();
	v->updates = v->rects = 0;
	v->outside = 0;
	v->x0 = v->y0 = 1 << 30;
	v->x1 = v->y1 = 0;
	if (run(cl, seconds))
		return -1;
	t0 = now() - t0;
	printf("redraw: %u updates, %u rectangles, %llu bytes in %.2f s; "
	       "bounding box %d,%d %dx%d; %d outside the square\n",
	       v->updates, v->rects, bytes_read() - b0, t0, v->x0, v->y0, v->x1 - v->x0, v->y1 - v->y0,
	       v->outside);
	return 0;
}

/*
 * A viewer that stops reading: raw updates (the largest), asked for again
 * and again, never read, until the server disconnects us.
 */
static int stall(rfbClient *cl, double seconds)
{
	double t0 = now(), end = t0 + seconds;

	signal(SIGPIPE, SIG_IGN);	/* a write after the server let go: EPIPE */
	cl->appData.encodingsString = "raw";
	if (!SetFormatAndEncodings(cl))
		return 1;
	printf("stall: reading nothing from now on\n");
	fflush(stdout);
	while (now() < end) {
		if (!SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, TRUE)) {
			printf("stall: the server let go of us after %.1f s\n", now() - t0);
			return 0;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	fprintf(stderr, "vnc_client: still connected after %.1f s of reading nothing\n", seconds);
	return 1;
}

static char *read_password(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "vnc_client: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

static rfbClient *connect_to(const char *target, struct viewer *v)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);
	const char *colon;

	rfbClientSetClientData(cl, (void *)viewer_of, v);
	cl->GetPassword = get_password;
	cl->GotFrameBufferUpdate = got_update;
	cl->FinishedFrameBufferUpdate = finished_update;
	cl->GotCursorShape = got_cursor;
	cl->appData.useRemoteCursor = TRUE;	/* the server draws no cursor into the frame */
	cl->appData.enableJPEG = FALSE;		/* lossless: the pixels are checked exactly */
	cl->canHandleNewFBSize = TRUE;
	free(cl->serverHost);
	if (!strncmp(target, "unix:", 5)) {
		cl->serverHost = strdup(target + 5);
	} else {
		colon = strrchr(target, ':');
		if (!colon) {
			fprintf(stderr, "vnc_client: %s: not ADDR:PORT or unix:PATH\n", target);
			exit(2);
		}
		cl->serverHost = strndup(target, (size_t)(colon - target));
		cl->serverPort = atoi(colon + 1);
	}
	if (!rfbInitClient(cl, NULL, NULL))
		return NULL;	/* libvncclient freed it */
	return cl;
}

/* @cmd on a connected viewer; its exit status. */
static int command(rfbClient *cl, struct viewer *v, const char *cmd, const char *arg)
{
	int r, x, y;

	if (run(cl, 0))
		return 1;
	if (!strcmp(cmd, "png"))
		return save_png(cl, arg) ? 1 : 0;
	if (!strcmp(cmd, "ppm"))
		return save_ppm(cl, arg) ? 1 : 0;
	if (!strcmp(cmd, "changed"))
		return compare_with(cl, arg);
	if (!strcmp(cmd, "lit")) {
		count_differing(cl, NULL, "lit");
		return 0;
	}
	if (!strcmp(cmd, "bench"))
		return measure(cl, atof(arg), 1) < 0;
	if (!strcmp(cmd, "pixel")) {
		if (sscanf(arg, "%d,%d", &x, &y) != 2 || x < 0 || y < 0 || x >= cl->width ||
		    y >= cl->height)
			return 2;
		printf("pixel %d,%d: %06x\n", x, y, pixel(cl, x, y));
		return 0;
	}
	if (!strcmp(cmd, "quit"))
		return !SendKeyEvent(cl, XK_Escape, TRUE) || !SendKeyEvent(cl, XK_Escape, FALSE);
	r = check_pattern(cl);
	printf("cursor: %ux%u\n", v->cursor_w, v->cursor_h);
	if (r)
		return r;
	if (!strcmp(cmd, "hold"))
		return run(cl, atof(arg));
	if (!strcmp(cmd, "input"))
		return send_input(cl);
	if (!strcmp(cmd, "redraw"))
		return measure(cl, atof(arg), 0) || !v->updates || v->outside;
	if (!strcmp(cmd, "stall"))
		return stall(cl, atof(arg));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd, *arg;
	struct viewer viewer = { 0 };
	rfbClient *cl;
	int r;

	rfbClientLog = quiet;
	rfbClientErr = quiet;
	viewer.x0 = viewer.y0 = 1 << 30;
	if (argc > 2 && !strcmp(argv[1], "-p")) {
		viewer.password = read_password(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: vnc_client [-p FILE] ADDR:PORT|unix:PATH pattern|hold S|"
				"redraw S|bench S|input|quit|png FILE|ppm FILE|lit|changed FILE|\n"
				"pixel X,Y|refused|stall S\n");
		return 2;
	}
	cmd = argv[2];
	viewer.square_changes = !strcmp(cmd, "redraw") || !strcmp(cmd, "bench") || !strcmp(cmd, "stall");
	arg = argc > 3 ? argv[3] : "1";
	cl = connect_to(argv[1], &viewer);
	free(viewer.password);	/* asked for while connecting only */
	viewer.password = NULL;
	if (!strcmp(cmd, "refused")) {
		if (cl) {
			fprintf(stderr, "vnc_client: the server let us in\n");
			return 1;
		}
		printf("refused: ok\n");
		return 0;
	}
	if (!cl) {
		fprintf(stderr, "vnc_client: cannot connect to %s\n", argv[1]);
		return 1;
	}
	r = command(cl, &viewer, cmd, arg);
	/* What libvncclient allocated for the frame and the cursor is the viewer's to free. */
	free(cl->frameBuffer);
	free(cl->rcSource);
	free(cl->rcMask);
	rfbClientCleanup(cl);
	return r;
}
