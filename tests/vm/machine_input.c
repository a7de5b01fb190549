/*
 * Viewer input through the machine library, as a display server hands it
 * in (machine_input_key, machine_input_pointer), reaching the built-in guest
 * (vessel.test=input), which reports every event it sees:
 *   machine_input virtio        virtio-input keyboard and tablet: the exact codes and positions
 *   machine_input virtio-iommu  the same behind the emulated VT-d unit
 *   machine_input ps2           no virtio-input: the i8042's keyboard (set 1 through the
 *                               translation) and PS/2 mouse (relative packets summing to
 *                               the pointer's position, at 32 units a count)
 * and the quit key powers the guest off. For the long suite, with Linux (its initramfs
 * running tests/long/guest-tests/input, which prints what evdev delivers):
 *   machine_input linux KERNEL INITRD virtio|ps2
 * Exit 0 on success, 1 on a failure, 77 without /dev/kvm.
 */
#include "core/input.h"
#include "machine/machine.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_SECONDS	120
#define KEY_ESC		1
#define KEY_A		30
#define KEY_RIGHTCTRL	97
#define KEY_SYSRQ	99
#define KEY_UP		103
#define KEY_PAUSE	119

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char out[1 << 20];
static size_t out_len, seen;	/* seen: the output already matched */
static const char *prefix = "vessel-guest: input: ";	/* of the guest's reports */

static void guest_output(void *opaque, const uint8_t *buf, size_t len)
{
	size_t i;

	(void)opaque;
	pthread_mutex_lock(&out_lock);
	for (i = 0; i < len; i++)
		if (out_len + 1 < sizeof(out))
			out[out_len++] = (char)buf[i];
	out[out_len] = '\0';
	pthread_mutex_unlock(&out_lock);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n--- guest output ---\n%s\n", out);
	va_end(ap);
	exit(1);
}

/* The next "input:" report after what was matched so far, or NULL if none came yet. */
static const char *next_report(char *line, size_t len)
{
	const char *p, *end;

	pthread_mutex_lock(&out_lock);
	p = strstr(out + seen, prefix);
	end = p ? strchr(p, '\n') : NULL;
	if (!end) {
		pthread_mutex_unlock(&out_lock);
		return NULL;
	}
	seen = (size_t)(end + 1 - out);
	p += strlen(prefix);
	if (end > p && end[-1] == '\r')
		end--;	/* the console's line ends */
	snprintf(line, len, "%.*s", (int)(end - p), p);
	pthread_mutex_unlock(&out_lock);
	return line;
}

/* Wait for the guest's next report and require it to be @want. */
static void expect(const char *want)
{
	char line[256];
	unsigned i;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (next_report(line, sizeof(line))) {
			if (strcmp(line, want))
				fail("the guest reported \"%s\", expected \"%s\"", line, want);
			return;
		}
		usleep(10000);
	}
	fail("timed out waiting for \"%s\"", want);
}

/* Skip reports until one starting with @prefix. */
static void expect_prefix(const char *prefix)
{
	char line[256];
	unsigned i;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (!next_report(line, sizeof(line))) {
			usleep(10000);
			continue;
		}
		if (!strncmp(line, prefix, strlen(prefix)))
			return;
	}
	fail("timed out waiting for a report \"%s...\"", prefix);
}

/*
 * The PS/2 mouse splits a long move into packets of at most 255 counts:
 * reports on the way are allowed, as long as the last one is @want.
 */
static void expect_pointer_at(const char *want)
{
	char line[256];
	unsigned i;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (!next_report(line, sizeof(line))) {
			usleep(10000);
			continue;
		}
		if (!strcmp(line, want))
			return;
		if (strncmp(line, "pointer ", 8))
			fail("the guest reported \"%s\", expected a pointer on its way to \"%s\"",
			     line, want);
	}
	fail("timed out waiting for \"%s\"", want);
}

static void key(struct machine *m, unsigned code, const char *via)
{
	char want[64];

	machine_input_key(m, code, true);
	snprintf(want, sizeof(want), "key %u down via %s", code, via);
	expect(want);
	machine_input_key(m, code, false);
	if (code == KEY_PAUSE)
		return;	/* PS/2's Pause has no break code; virtio's up comes with the next */
	snprintf(want, sizeof(want), "key %u up via %s", code, via);
	expect(want);
}

static void pointer(struct machine *m, unsigned x, unsigned y, unsigned buttons, bool ps2)
{
	char want[96];

	machine_input_pointer(m, x, y, buttons);
	if (ps2)
		x = x / 32 * 32, y = y / 32 * 32;
	snprintf(want, sizeof(want), "pointer %u %u buttons %u via %s", x, y, buttons,
		 ps2 ? "ps2" : "virtio");
	if (ps2)
		expect_pointer_at(want);
	else
		expect(want);
}

static void *waiter(void *arg)
{
	static int status;

	status = machine_wait(arg);
	return &status;
}

struct leds {
	bool in_keyboard;
	uint64_t leds, bad;
};

static void metrics_begin(void *opaque, const char *name)
{
	struct leds *l = opaque;

	l->in_keyboard = !strcmp(name, "virtio-input.0");
}

static void metrics_emit(void *opaque, const char *name, uint64_t value)
{
	struct leds *l = opaque;

	if (l->in_keyboard && !strcmp(name, "leds"))
		l->leds = value;
	if (l->in_keyboard && !strcmp(name, "bad_statuses"))
		l->bad = value;
}

static int run(bool virtio, bool iommu)
{
	static struct machine_config cfg;
	const char *via = virtio ? "virtio" : "ps2";
	struct error err = { 0 };
	struct leds leds = { 0 };
	char want[64];
	struct machine *m;
	void *status;
	pthread_t t;

	machine_config_defaults(&cfg);
	cfg.cmdline = "vessel.test=input";
	cfg.input = virtio ? INPUT_VIRTIO : INPUT_PS2;
	cfg.iommu = iommu;
	cfg.host_console = false;
	cfg.output = (struct machine_output){ guest_output, NULL };
	m = machine_create(&cfg, &err);
	if (!m)
		fail("machine_create: %s", err.msg);
	if (machine_start(m, &err))
		fail("machine_start: %s", err.msg);
	pthread_create(&t, NULL, waiter, m);

	if (virtio) {
		expect_prefix("virtio-input at ");
		expect_prefix("virtio-input at ");
	}
	expect_prefix("ps2 keyboard and mouse (id 3) ready");
	expect_prefix("ready, ");

	key(m, KEY_A, via);
	key(m, KEY_UP, via);		/* E0-prefixed */
	key(m, KEY_RIGHTCTRL, via);
	key(m, KEY_SYSRQ, via);		/* Print Screen, with its fake shifts */
	key(m, KEY_PAUSE, via);		/* E1 sequence */
	if (virtio)
		expect("key 119 up via virtio");
	pointer(m, 1000, 2000, 0, !virtio);
	pointer(m, 16383, 8191, INPUT_BTN_LEFT, !virtio);
	pointer(m, INPUT_ABS_MAX, 0, INPUT_BTN_RIGHT | INPUT_BTN_MIDDLE, !virtio);
	pointer(m, 640, 30000, 0, !virtio);
	pointer(m, 640, 30000, INPUT_BTN_WHEEL_UP, !virtio);
	if (virtio)
		pointer(m, 640, 30000, 0, false);	/* PS/2 reports nothing: nothing moved */
	pointer(m, 640, 30000, INPUT_BTN_WHEEL_DOWN, !virtio);

	if (virtio) {
		machine_metrics(m, metrics_begin, metrics_emit, &leds);
		if (leds.leds != 2 || leds.bad)
			fail("the keyboard's LEDs are 0x%llx (%llu bad reports), the guest set Caps Lock",
			     (unsigned long long)leds.leds, (unsigned long long)leds.bad);
	}
	machine_input_key(m, KEY_ESC, true);
	snprintf(want, sizeof(want), "key %u down via %s", KEY_ESC, via);
	expect(want);
	expect("quit key 1, done");
	pthread_join(t, &status);
	machine_destroy(m);
	if (*(int *)status != 0)
		fail("the guest did not power off after the quit key (status %d)", *(int *)status);
	printf("PASS: keys and pointer via %s%s reach the guest as sent\n", via,
	       iommu ? " behind the IOMMU" : "");
	return 0;
}

/* The guest's reports, for the log: which devices Linux found, what evdev said. */
static void print_reports(void)
{
	const char *p = out;

	while ((p = strstr(p, prefix))) {
		const char *end = strchr(p, '\n');

		if (!end)
			break;
		printf("  | %.*s\n", (int)(end - p - (end > p && end[-1] == '\r')), p);
		p = end + 1;
	}
}

/* A key as evdev reports it: EV_KEY, the code, 1 then 0. */
static void linux_key(struct machine *m, unsigned code)
{
	char want[64];

	machine_input_key(m, code, true);
	snprintf(want, sizeof(want), "key 1 %u 1", code);
	expect(want);
	machine_input_key(m, code, false);
	snprintf(want, sizeof(want), "key 1 %u 0", code);
	expect(want);
}

static int run_linux(const char *kernel, const char *initrd, bool virtio)
{
	static struct machine_config cfg;
	struct error err = { 0 };
	struct machine *m;
	void *status;
	pthread_t t;

	machine_config_defaults(&cfg);
	cfg.kernel_path = kernel;
	cfg.initrd_path = initrd;
	cfg.cmdline = "console=ttyS0 panic=-1 quiet vessel_test=input";
	cfg.input = virtio ? INPUT_VIRTIO : INPUT_PS2;
	cfg.host_console = false;
	cfg.output = (struct machine_output){ guest_output, NULL };
	prefix = "VESSEL-INPUT: ";
	m = machine_create(&cfg, &err);
	if (!m)
		fail("machine_create: %s", err.msg);
	if (machine_start(m, &err))
		fail("machine_start: %s", err.msg);
	pthread_create(&t, NULL, waiter, m);
	expect_prefix("keyboard event");
	expect_prefix("pointer event");
	expect_prefix("ready");
	linux_key(m, KEY_A);
	linux_key(m, KEY_UP);
	machine_input_pointer(m, 1000, 2000, 0);
	if (virtio) {
		expect("pointer 3 0 1000");
		expect("pointer 3 1 2000");
	}
	machine_input_pointer(m, 20000, 30000, 0);
	if (virtio) {
		expect("pointer 3 0 20000");
		expect("pointer 3 1 30000");
	} else {
		expect_pointer_at("pointer rel 625 937");	/* the counts: 20000 / 32, 30000 / 32 */
	}
	machine_input_pointer(m, 20000, 30000, INPUT_BTN_LEFT);
	expect("pointer 1 272 1");
	machine_input_pointer(m, 20000, 30000, 0);
	expect("pointer 1 272 0");
	linux_key(m, KEY_ESC);
	expect("done");
	pthread_join(t, &status);
	machine_destroy(m);
	if (!strstr(out, "VESSEL-TEST-RESULT: PASS") || *(int *)status != 0)
		fail("the guest's test did not pass (status %d)", *(int *)status);
	print_reports();
	printf("PASS: Linux's evdev got the keys and pointer sent, via %s\n",
	       virtio ? "virtio-input" : "the i8042's keyboard and PS/2 mouse");
	return 0;
}

int main(int argc, char **argv)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm cannot be opened here\n");
		return 77;
	}
	close(fd);
	if (argc == 2 && !strcmp(argv[1], "virtio"))
		return run(true, false);
	if (argc == 2 && !strcmp(argv[1], "virtio-iommu"))
		return run(true, true);
	if (argc == 2 && !strcmp(argv[1], "ps2"))
		return run(false, false);
	if (argc == 5 && !strcmp(argv[1], "linux") &&
	    (!strcmp(argv[4], "virtio") || !strcmp(argv[4], "ps2")))
		return run_linux(argv[2], argv[3], !strcmp(argv[4], "virtio"));
	fprintf(stderr, "usage: machine_input virtio|virtio-iommu|ps2 | linux KERNEL INITRD virtio|ps2\n");
	return 2;
}
