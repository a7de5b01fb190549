/*
 * vessel.test=display: the bochs-display driven as Linux's bochs DRM driver
 * does (EDID from BAR2, a mode through the DISPI registers, the framebuffer
 * in BAR0), then a test pattern a viewer can check pixel by pixel. The
 * drawing runs in CPL3, where hosts that emulate kernel mode run natively.
 *
 * The pattern, for a mode of W x H (pixels 0x00RRGGBB, little-endian):
 *  - 8 vertical bars, bar i covering x in [i * W / 8, (i + 1) * W / 8), in
 *    the order white ffffff, yellow ffff00, cyan 00ffff, green 00ff00,
 *    magenta ff00ff, red ff0000, blue 0000ff, black 000000;
 *  - a 1-pixel border around the screen, orange ff8000;
 *  - a 64x64 checker block at (W/2 - 32, H/2 - 32) of 8x8 cells, the cell
 *    (i, j) white ffffff when i + j is even, black 000000 when odd;
 *  - with vessel.redraw=HZ, the 32x32 square at (32, 32) is filled HZ
 *    times a second, the k-th time (k from 0) with 2040c0 + k * 030201
 *    (modulo 2^24): every redraw a colour of its own.
 * Without vessel.redraw the guest then reports viewer input (guest/input.h)
 * until the quit key (vessel.quitkey=CODE, default Esc) powers it off, and
 * keeps an 8x8 marker, 00ff80, with its top left corner at the pointer.
 */
#include "guest.h"
#include "input.h"

#define BOCHS_VENDOR		0x1234
#define BOCHS_DEVICE		0x1111
#define DISPI_BASE		0x500
#define QEXT_BYTEORDER		0x604
#define QEXT_LITTLE_ENDIAN	0x1e1e1e1e
#define DISPI_ID		0x0
#define DISPI_XRES		0x1
#define DISPI_YRES		0x2
#define DISPI_BPP		0x3
#define DISPI_ENABLE		0x4
#define DISPI_VIRT_WIDTH	0x6
#define DISPI_VIRT_HEIGHT	0x7
#define DISPI_X_OFFSET		0x8
#define DISPI_Y_OFFSET		0x9
#define DISPI_ENABLED		0x01
#define DISPI_LFB_ENABLED	0x40

#define BORDER_COLOR		0xff8000
#define CHECKER_SIZE		64
#define CHECKER_CELL		8
#define REDRAW_X		32
#define REDRAW_Y		32
#define REDRAW_SIZE		32
#define REDRAW_COLOR		0x2040c0
#define REDRAW_STEP		0x030201
#define MARKER_SIZE		8
#define MARKER_COLOR		0x00ff80

static const uint32_t bar_colors[8] = {
	0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000,
};

struct screen {
	volatile uint32_t *fb;
	unsigned width, height;
	uint64_t period;	/* TSC ticks between redraws */
	unsigned marker_x, marker_y;
	int marker_shown;
};

static void dispi_write(uint64_t mmio, unsigned index, uint16_t v)
{
	*(volatile uint16_t *)(mmio + DISPI_BASE + 2 * index) = v;
}

static uint16_t dispi_read(uint64_t mmio, unsigned index)
{
	return *(volatile uint16_t *)(mmio + DISPI_BASE + 2 * index);
}

/* The preferred mode of the EDID block at @mmio (E-EDID 1.4, 3.10.2); 0 if it is not one. */
static int edid_mode(uint64_t mmio, unsigned *w, unsigned *h)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	uint8_t e[128], sum = 0;
	unsigned i;

	for (i = 0; i < sizeof(e); i++) {
		e[i] = *(volatile uint8_t *)(mmio + i);
		sum = (uint8_t)(sum + e[i]);
	}
	if (memcmp(e, header, sizeof(header)) || sum)
		return 0;
	*w = e[56] | (e[58] >> 4) << 8;
	*h = e[59] | (e[61] >> 4) << 8;
	return *w && *h;
}

static void fill(const struct screen *s, unsigned x0, unsigned y0, unsigned w, unsigned h,
		 uint32_t color)
{
	unsigned x, y;

	for (y = y0; y < y0 + h; y++)
		for (x = x0; x < x0 + w; x++)
			s->fb[(uint64_t)y * s->width + x] = color;
}

/* CPL3: the whole pattern. */
static void draw_pattern(void *arg)
{
	const struct screen *s = arg;
	unsigned i, j, cx = s->width / 2 - CHECKER_SIZE / 2, cy = s->height / 2 - CHECKER_SIZE / 2;

	for (i = 0; i < 8; i++)
		fill(s, i * s->width / 8, 0, (i + 1) * s->width / 8 - i * s->width / 8, s->height,
		     bar_colors[i]);
	fill(s, 0, 0, s->width, 1, BORDER_COLOR);
	fill(s, 0, s->height - 1, s->width, 1, BORDER_COLOR);
	fill(s, 0, 0, 1, s->height, BORDER_COLOR);
	fill(s, s->width - 1, 0, 1, s->height, BORDER_COLOR);
	for (i = 0; i < CHECKER_SIZE / CHECKER_CELL; i++)
		for (j = 0; j < CHECKER_SIZE / CHECKER_CELL; j++)
			fill(s, cx + j * CHECKER_CELL, cy + i * CHECKER_CELL, CHECKER_CELL,
			     CHECKER_CELL, (i + j) % 2 ? 0x000000 : 0xffffff);
}

/* The pattern's pixel at (x, y), as draw_pattern leaves it. */
static uint32_t pattern_pixel(const struct screen *s, unsigned x, unsigned y)
{
	unsigned cx = s->width / 2 - CHECKER_SIZE / 2, cy = s->height / 2 - CHECKER_SIZE / 2, i;

	if (x == 0 || y == 0 || x == s->width - 1 || y == s->height - 1)
		return BORDER_COLOR;
	if (x >= cx && x < cx + CHECKER_SIZE && y >= cy && y < cy + CHECKER_SIZE)
		return ((x - cx) / CHECKER_CELL + (y - cy) / CHECKER_CELL) % 2 ? 0x000000 : 0xffffff;
	for (i = 7; i > 0 && x < i * s->width / 8; i--)
		;
	return bar_colors[i];
}

/* The marker @on at its place, or the pattern back under it; clipped at the screen's edges. */
static void marker(struct screen *s, int on)
{
	unsigned x, y;

	for (y = s->marker_y; y < s->marker_y + MARKER_SIZE && y < s->height; y++)
		for (x = s->marker_x; x < s->marker_x + MARKER_SIZE && x < s->width; x++)
			s->fb[(uint64_t)y * s->width + x] = on ? MARKER_COLOR : pattern_pixel(s, x, y);
}

/* The input reports' callback: the pointer is at (x, y) of 0 .. GUEST_INPUT_ABS_MAX. */
static void pointer_moved(unsigned x, unsigned y, void *arg)
{
	struct screen *s = arg;

	if (s->marker_shown)
		marker(s, 0);
	s->marker_x = (unsigned)((uint64_t)x * (s->width - 1) / GUEST_INPUT_ABS_MAX);
	s->marker_y = (unsigned)((uint64_t)y * (s->height - 1) / GUEST_INPUT_ABS_MAX);
	marker(s, 1);
	s->marker_shown = 1;
	con_printf("vessel-guest: display: marker at %u,%u\n", s->marker_x, s->marker_y);
}

/* CPL3, forever: the square, redrawn every period. */
static void redraw_loop(void *arg)
{
	const struct screen *s = arg;
	uint64_t next = rdtsc();
	unsigned k;

	for (k = 0;; k++) {
		fill(s, REDRAW_X, REDRAW_Y, REDRAW_SIZE, REDRAW_SIZE,
		     (REDRAW_COLOR + k * REDRAW_STEP) & 0xffffff);
		next += s->period;
		while (rdtsc() < next)
			cpu_relax();
	}
}

void run_display(const struct acpi_info *acpi, unsigned slot, unsigned redraw_hz,
		 unsigned quit_key)
{
	uint64_t fb = pci_read32(slot, 0x10) & ~0xfull, mmio = pci_read32(slot, 0x18) & ~0xfull;
	struct screen s = { .fb = (volatile uint32_t *)fb };
	uint16_t id;

	pci_write16(slot, 0x04, 0x0002);	/* memory space on */
	id = dispi_read(mmio, DISPI_ID);
	if ((id & 0xfff0) != 0xb0c0)
		guest_panic("display: no DISPI interface in BAR2");
	if (!edid_mode(mmio, &s.width, &s.height))
		guest_panic("display: no valid EDID block");
	con_printf("vessel-guest: display: DISPI id 0x%x, EDID preferred mode %ux%u\n", id,
		   s.width, s.height);
	mmio_write32(mmio + QEXT_BYTEORDER, QEXT_LITTLE_ENDIAN);
	dispi_write(mmio, DISPI_ENABLE, 0);
	dispi_write(mmio, DISPI_BPP, 32);
	dispi_write(mmio, DISPI_XRES, (uint16_t)s.width);
	dispi_write(mmio, DISPI_YRES, (uint16_t)s.height);
	dispi_write(mmio, DISPI_VIRT_WIDTH, (uint16_t)s.width);
	dispi_write(mmio, DISPI_VIRT_HEIGHT, (uint16_t)s.height);
	dispi_write(mmio, DISPI_X_OFFSET, 0);
	dispi_write(mmio, DISPI_Y_OFFSET, 0);
	dispi_write(mmio, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
	if (!(dispi_read(mmio, DISPI_ENABLE) & DISPI_ENABLED) ||
	    dispi_read(mmio, DISPI_XRES) != s.width)
		guest_panic("display: the device refused the mode");
	/* A width past the device's maximum: vessel's keeps the mode as it was. */
	dispi_write(mmio, DISPI_XRES, 4096);
	if (dispi_read(mmio, DISPI_XRES) == s.width) {
		con_printf("vessel-guest: display: a width of 4096 was refused\n");
	} else {
		con_printf("vessel-guest: display: a width of 4096 was taken\n");
		dispi_write(mmio, DISPI_XRES, (uint16_t)s.width);
	}
	user_run(draw_pattern, &s);
	con_printf("vessel-guest: display: %ux%u pattern drawn\n", s.width, s.height);
	if (redraw_hz) {
		uint64_t hz = tsc_hz();

		if (!hz)
			guest_panic("display: cannot time the redraws (the RTC stands still)");
		s.period = hz / redraw_hz;
		con_printf("vessel-guest: display: redrawing %ux%u at (%u,%u) %u times a second\n",
			   REDRAW_SIZE, REDRAW_SIZE, REDRAW_X, REDRAW_Y, redraw_hz);
		user_run(redraw_loop, &s);
	}
	input_report_until_quit(acpi, quit_key, pointer_moved, &s);
	con_printf("vessel-guest: display: done, powering off\n");
	acpi_poweroff(acpi);
}
