/*
 * The VNC server of one machine: its screen, its thread, its connections
 * and the viewers' events. libvncserver owns the protocol (RFB 3.8, its
 * encodings, VNC authentication, WebSockets); vnc_frame.c keeps the screen
 * up to date. Everything runs on the server's thread.
 */
#include "desktop/vnc.h"
#include "core/log.h"
#include "desktop/vnc_internal.h"
#include "desktop/vnc_input.h"
#include "desktop/vnc_listen.h"
#include "desktop/vnc_password.h"
#include "desktop/vnc_stall.h"
#include "display/bochs_display.h"

#include <rfb/rfb.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How long a new TCP connection may stay silent before it is taken for a viewer. */
#define TCP_GRACE_NS		1000000000ull
#define UNIX_GRACE_NS		100000000ull	/* no browser on a unix socket */
#define STOP_RETRY_NS		10000000
#define ERROR_BACKOFF_NS	10000000	/* after a failed poll: no busy loop */


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void rfb_log(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!log_verbose())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = '\0';
	pr_debug("vnc: %s", line);
}

static struct vnc_server *server_of(rfbClientPtr cl)
{
	return cl->screen->screenData;
}

/* A viewer's input: the guest is likely to answer on its screen, ticks at full rate. */
static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
	struct vnc_server *s = server_of(cl);

	s->tick = s->period;
	s->still_frames = 0;
	vnc_input_key(&s->input, down, keysym);
}

static void on_pointer(int buttons, int x, int y, rfbClientPtr cl)
{
	struct vnc_server *s = server_of(cl);

	s->tick = s->period;
	s->still_frames = 0;
	vnc_input_pointer(&s->input, buttons, x, y);
	rfbDefaultPtrAddEvent(buttons, x, y, cl);	/* where a drawn cursor goes */
}

static void on_cut_text(char *text, int len, rfbClientPtr cl)
{
	vnc_input_cut_text(&server_of(cl)->input, text, len);
}

static int on_desktop_size(int w, int h, int screens, struct rfbExtDesktopScreen *layout,
			   rfbClientPtr cl)
{
	(void)layout;
	return vnc_input_desktop_size(&server_of(cl)->input, w, h, screens);
}

/*
 * libvncserver 0.9.14 leaves a WebSocket viewer's context behind when it
 * goes (fixed upstream by 3acb43eb, "fix memory leak on webclient
 * disconnect"); nothing reads it after this hook, and a fixed library finds
 * it NULL.
 */
static void on_client_gone(rfbClientPtr cl)
{
	free(cl->wsctx);
	cl->wsctx = NULL;
	free(cl->clientData);
	cl->clientData = NULL;
}

static enum rfbNewClientAction on_new_client(rfbClientPtr cl)
{
	cl->clientData = calloc(1, sizeof(struct vnc_stall));
	if (!cl->clientData) {
		pr_warn("vnc: out of memory for viewer %s", cl->host);
		return RFB_CLIENT_REFUSE;
	}
	cl->clientGoneHook = on_client_gone;
	vnc_frame_new_viewer(server_of(cl));
	return RFB_CLIENT_ACCEPT;
}

static void input_key(void *opaque, unsigned code, bool down)
{
	machine_input_key(opaque, code, down);
}

static void input_pointer(void *opaque, unsigned x, unsigned y, unsigned buttons)
{
	machine_input_pointer(opaque, x, y, buttons);
}

static void serve_connection(void *opaque, int fd, enum vnc_conn_kind kind)
{
	struct vnc_server *s = opaque;

	switch (kind) {
	case VNC_CONN_RFB:
	case VNC_CONN_WEBSOCKET:
		/* libvncserver's: the WebSocket handshake, the RFB handshake, the client. */
		if (!rfbNewClient(s->screen, fd))
			close(fd);
		return;
	case VNC_CONN_HTTP_ROOT:
		vnc_http_redirect(fd);
		close(fd);
		return;
	case VNC_CONN_HTTP_FILE:
		/*
		 * libvncserver's httpd serves noVNC's files from httpDir: the whole
		 * request is in, so it answers in this one call. Outside it httpDir
		 * is unset: nothing else of the httpd runs.
		 */
		s->screen->httpSock = fd;
		s->screen->httpDir = VNC_NOVNC_DIR;
		rfbHttpCheckFds(s->screen);
		s->screen->httpDir = NULL;
		if (s->screen->httpSock != RFB_INVALID_SOCKET)
			close(s->screen->httpSock);
		s->screen->httpSock = RFB_INVALID_SOCKET;
		return;
	default:
		close(fd);
	}
}

/*
 * New connections are held; those that said what they are (or stayed
 * silent) are served. Past VNC_MAX_PENDING held, the rest wait in the
 * listen backlog until one is known.
 */
static void serve_connections(struct vnc_server *s)
{
	int fd;

	vnc_conns_check(&s->conns, now_ns(), serve_connection, s);
	while (s->conns.nr < VNC_MAX_PENDING &&
	       (fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		vnc_conns_add(&s->conns, fd, now_ns());
	vnc_conns_check(&s->conns, now_ns(), serve_connection, s);
}

static void *server_thread(void *arg)
{
	struct vnc_server *s = arg;
	uint64_t next = now_ns(), t;
	sigset_t set;

	pthread_setname_np(pthread_self(), "vnc");
	/* Only the stop signal reaches this thread; a viewer gone is EPIPE, not SIGPIPE. */
	sigfillset(&set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		uint64_t wait = UINT64_MAX;
		int r;

		t = now_ns();
		if (s->screen->clientHead) {
			if (t >= next) {
				vnc_frame(s);
				next = t + vnc_next_tick(s);
			}
			/* What a frame or a viewer's request made due goes out now. */
			vnc_loop_update(s, t);
			wait = next - t;
		} else {
			/* No viewer, nothing to draw: sleep until a connection comes. */
			next = t;
			s->tick = s->period;
		}
		if (vnc_conns_wait_ns(&s->conns, t) < wait)
			wait = vnc_conns_wait_ns(&s->conns, t);
		r = vnc_loop_wait(s, wait);
		if (r > 0) {
			serve_connections(s);
		} else if (r < 0) {
			pr_warn("vnc: waiting for the viewers: %s", strerror(-r));
			nanosleep(&(struct timespec){ 0, ERROR_BACKOFF_NS }, NULL);
		}
	}
	return NULL;
}

struct vnc_server *vnc_server_create(const struct vnc_options *o, struct error *err)
{
	struct vnc_server *s = calloc(1, sizeof(*s));

	if (!s) {
		error_set(err, ENOMEM, "vnc: out of memory");
		return NULL;
	}
	s->opts = *o;
	s->listen_fd = s->http_idle_fd = -1;
	if (o->password_file[0] && vnc_password_read(o->password_file, s->password, err))
		goto err_free;
	s->listen_fd = vnc_listen(o, err);
	if (s->listen_fd < 0)
		goto err_free;
	vnc_conns_init(&s->conns, o->kind == VNC_LISTEN_UNIX ? UNIX_GRACE_NS : TCP_GRACE_NS);
	return s;

err_free:
	memset(s->password, 0, sizeof(s->password));
	free(s);
	return NULL;
}

static rfbCursorPtr make_cursor(void)
{
	/* An arrow, its tip the hot spot (libvncserver's X cursor strings: 'x' set). */
	static char shape[] =
		"x          "
		"xx         "
		"x.x        "
		"x..x       "
		"x...x      "
		"x....x     "
		"x.....x    "
		"x......x   "
		"x.......x  "
		"x........x "
		"x.....xxxxx"
		"x..x..x    "
		"x.x x..x   "
		"xx  x..x   "
		"x    x..x  "
		"     xxxx  ";
	static char mask[] =
		"x          "
		"xx         "
		"xxx        "
		"xxxx       "
		"xxxxx      "
		"xxxxxx     "
		"xxxxxxx    "
		"xxxxxxxx   "
		"xxxxxxxxx  "
		"xxxxxxxxxx "
		"xxxxxxxxxxx"
		"xxxxxxx    "
		"xxx xxxx   "
		"xx  xxxx   "
		"x    xxxx  "
		"     xxxx  ";
	rfbCursorPtr c = rfbMakeXCursor(11, 16, shape, mask);

	if (c) {
		c->foreRed = c->foreGreen = c->foreBlue = 0;
		c->backRed = c->backGreen = c->backBlue = 0xffff;
	}
	return c;
}

static int setup_screen(struct vnc_server *s, struct error *err)
{
	rfbScreenInfoPtr sc;

	rfbLog = rfb_log;
	rfbErr = rfb_log;
	sc = rfbGetScreen(NULL, NULL, (int)s->pref_width, (int)s->pref_height, 8, 3, 4);
	if (!sc)
		return error_set(err, ENOMEM, "vnc: cannot create the screen");
	s->screen = sc;
	s->shadow = calloc((size_t)s->pref_width * s->pref_height, 4);
	s->http_idle_fd = eventfd(0, EFD_CLOEXEC);
	if (!s->shadow || s->http_idle_fd < 0)
		return error_set(err, ENOMEM, "vnc: out of memory");
	sc->frameBuffer = (char *)s->shadow;
	sc->screenData = s;
	vnc_frame_set_format(s, false);
	sc->desktopName = "vessel";
	sc->alwaysShared = TRUE;	/* a viewer joining never disconnects another */
	sc->deferUpdateTime = 0;	/* the frame tick paces updates */
	/*
	 * A viewer that stops in the middle of an update (vnc_stall.h keeps
	 * the server from starting one its socket cannot take) holds the
	 * thread up this long at most: libvncserver's write waits on the
	 * socket in steps of 5 s up to maxClientWait, then lets it go.
	 */
	sc->maxClientWait = VNC_STALL_DROP_MS;
	sc->kbdAddEvent = on_key;
	sc->ptrAddEvent = on_pointer;
	sc->setXCutText = on_cut_text;
	sc->setDesktopSizeHook = on_desktop_size;
	sc->newClientHook = on_new_client;
	sc->cursor = make_cursor();
	if (s->password[0]) {
		s->passwords[0] = s->password;
		sc->authPasswdData = s->passwords;
		sc->passwordCheck = rfbCheckPasswordByList;
	}
	/* Our socket, not libvncserver's: it would listen on every address, IPv6 too. */
	sc->port = sc->ipv6port = 0;
	sc->socketState = RFB_SOCKET_READY;
	sc->httpInitDone = TRUE;
	/*
	 * libvncserver's httpd serves only the connections handed to it in
	 * httpSock: its listening sockets are an eventfd that never fires
	 * (both of them: it tests the IPv6 one unguarded).
	 */
	sc->httpListenSock = s->http_idle_fd;
	sc->httpListen6Sock = s->http_idle_fd;
	rfbInitServer(sc);
	return 0;
}

int vnc_server_start(struct vnc_server *s, struct machine *m, struct error *err)
{
	const struct machine_config *cfg = machine_config(m);
	struct vnc_input_sink sink = { input_key, input_pointer, m };
	int r;

	s->m = m;
	s->disp = machine_display(m);
	if (!s->disp)
		return error_set(err, EINVAL, "--vnc: the machine has no display");
	s->pref_width = cfg->display_width;
	s->pref_height = cfg->display_height;
	vnc_input_init(&s->input, &sink);
	vnc_input_set_size(&s->input, s->pref_width, s->pref_height);
	if (machine_dirty_log_open(m, bochs_display_fb_gpa(s->disp), &s->log, err))
		return -1;
	s->log_open = true;
	s->bitmap = calloc(dirty_log_words(&s->log), sizeof(unsigned long));
	s->changed_pages = calloc(dirty_log_words(&s->log), sizeof(unsigned long));
	/* A page drawn on is left writable until it has been still for a second. */
	if (!s->bitmap || !s->changed_pages ||
	    hot_pages_init(&s->hot, dirty_log_words(&s->log), s->opts.fps))
		return error_set(err, ENOMEM, "vnc: out of memory");
	if (setup_screen(s, err))
		return -1;
	s->mode.generation = ~0u;	/* the first frame takes the guest's mode */
	s->period = s->tick = NS_PER_SEC / s->opts.fps;
	r = pthread_create(&s->thread, NULL, server_thread, s);
	if (r)
		return error_set(err, r, "vnc: cannot start its thread: %s", strerror(r));
	s->thread_started = true;
	return 0;
}

static void stop_thread(struct vnc_server *s)
{
	struct timespec ts;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	/* The signal ends the thread's select; sent again in case it came just before. */
	for (;;) {
		pthread_kill(s->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += STOP_RETRY_NS;
		if (ts.tv_nsec >= (long)NS_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= (long)NS_PER_SEC;
		}
		if (pthread_timedjoin_np(s->thread, NULL, &ts) == 0)
			return;
	}
}

void vnc_server_destroy(struct vnc_server *s)
{
	if (!s)
		return;
	if (s->thread_started)
		stop_thread(s);
	if (s->screen) {
		if (s->screen->httpSock != RFB_INVALID_SOCKET)
			close(s->screen->httpSock);
		s->screen->httpSock = RFB_INVALID_SOCKET;
		s->screen->httpListenSock = RFB_INVALID_SOCKET;
		s->screen->httpListen6Sock = RFB_INVALID_SOCKET;
		rfbShutdownServer(s->screen, TRUE);
		rfbScreenCleanup(s->screen);
	}
	vnc_conns_close(&s->conns);
	if (s->log_open)
		dirty_log_close(&s->log);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->http_idle_fd >= 0)
		close(s->http_idle_fd);
	if (s->opts.kind == VNC_LISTEN_UNIX && s->listen_fd >= 0)
		unlink(s->opts.path);
	memset(s->password, 0, sizeof(s->password));
	vnc_loop_free(&s->loop);
	free(s->bitmap);
	free(s->changed_pages);
	hot_pages_free(&s->hot);
	free(s->shadow);
	free(s);
}
