/*
 * The machine as a library, driven as the control API will drive it:
 *   machine_lifecycle pause [CPUS]  the built-in guest's ticks stop while paused, go on after
 *   machine_lifecycle dirty         the dirty log shows exactly the pages the guest wrote
 *   machine_lifecycle state [CPUS]  the counter guest's state (machine_state_save) and RAM
 *                                   moved into a second machine (cfg.restore, anonymous
 *                                   RAM: as a migration does) counts on from there
 * Exit 0 on success, 1 on a failure (with the reason), 77 where /dev/kvm is missing.
 */
#include "core/dirty_log.h"
#include "machine/machine.h"
#include "machine/snapshot.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_SECONDS	120
#define DIRTY_BASE	(64ull << 20)

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char out[1 << 20];
static size_t out_len;
static unsigned lines;

static void guest_output(void *opaque, const uint8_t *buf, size_t len)
{
	size_t i;

	(void)opaque;
	pthread_mutex_lock(&out_lock);
	for (i = 0; i < len; i++) {
		if (out_len + 1 < sizeof(out))
			out[out_len++] = (char)buf[i];
		lines += buf[i] == '\n';
	}
	out[out_len] = '\0';
	pthread_mutex_unlock(&out_lock);
}

static unsigned line_count(void)
{
	unsigned n;

	pthread_mutex_lock(&out_lock);
	n = lines;
	pthread_mutex_unlock(&out_lock);
	return n;
}

static bool output_has(const char *s)
{
	bool found;

	pthread_mutex_lock(&out_lock);
	found = strstr(out, s) != NULL;
	pthread_mutex_unlock(&out_lock);
	return found;
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

static void wait_for(bool (*cond)(void *), void *arg, const char *what)
{
	unsigned i;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (cond(arg))
			return;
		usleep(10000);
	}
	fail("timed out waiting for %s", what);
}

static bool has_text(void *arg)
{
	return output_has(arg);
}

static bool lines_reach(void *arg)
{
	return line_count() >= *(unsigned *)arg;
}

static struct machine *boot(const char *cmdline, unsigned cpus)
{
	static struct machine_config cfg;	/* outlives the machine, as it must */
	struct error err = { 0 };
	struct machine *m;

	machine_config_defaults(&cfg);
	cfg.cmdline = cmdline;
	cfg.cpus = cpus;
	cfg.host_console = false;
	cfg.output = (struct machine_output){ guest_output, NULL };
	m = machine_create(&cfg, &err);
	if (!m)
		fail("machine_create: %s", err.msg);
	if (machine_start(m, &err))
		fail("machine_start: %s", err.msg);
	return m;
}

/* The VM's event loop runs on a thread of its own, as the API's would. */
static void *waiter(void *arg)
{
	static int status;

	status = machine_wait(arg);
	return &status;
}

static int finish(struct machine *m, pthread_t t)
{
	void *status;

	pthread_join(t, &status);
	machine_destroy(m);
	return *(int *)status;
}

static void check_paused(struct machine *m)
{
	unsigned before;

	if (machine_state(m) != MACHINE_PAUSED)
		fail("state %d after a pause", machine_state(m));
	before = line_count();
	usleep(300 * 1000);
	if (line_count() != before)
		fail("the guest printed %u lines while paused", line_count() - before);
}

static int test_pause(unsigned cpus)
{
	struct error err = { 0 };
	struct machine *m = boot("vessel.test=ticker", cpus);
	unsigned want = 10, i;
	pthread_t t;
	int status;

	pthread_create(&t, NULL, waiter, m);
	wait_for(lines_reach, &want, "10 lines of ticks");
	if (machine_pause(m, &err))
		fail("machine_pause: %s", err.msg);
	check_paused(m);
	if (machine_resume(m, &err))
		fail("machine_resume: %s", err.msg);
	want = line_count() + 10;
	wait_for(lines_reach, &want, "10 more ticks after the resume");
	/* Quick pause/resume cycles, and a pause of a paused machine, change nothing. */
	for (i = 0; i < 20; i++)
		if (machine_pause(m, &err) || machine_pause(m, &err) || machine_resume(m, &err))
			fail("cycle %u: %s", i, err.msg);
	want = line_count() + 5;
	wait_for(lines_reach, &want, "ticks after 20 pause/resume cycles");
	/* A paused machine can still be stopped. */
	if (machine_pause(m, &err))
		fail("machine_pause: %s", err.msg);
	machine_stop(m);
	status = finish(m, t);
	if (status != 128 + 15)
		fail("a stopped VM exits with %d, not 143", status);
	printf("PASS: pause/resume with %u vCPU(s), %u lines\n", cpus, line_count());
	return 0;
}

static bool page_dirty(const unsigned long *bm, uint64_t gpa)
{
	uint64_t page = gpa / 4096;

	return bm[page / (8 * sizeof(long))] >> (page % (8 * sizeof(long))) & 1;
}

/* Pages @set are dirty, pages @clear are not, in the window the guest writes. */
static void expect_pages(const unsigned long *bm, const unsigned *set, unsigned nset,
			 const unsigned *clear, unsigned nclear, const char *when)
{
	unsigned i;

	for (i = 0; i < nset; i++)
		if (!page_dirty(bm, DIRTY_BASE + set[i] * 4096ull))
			fail("%s: page %u not in the dirty log", when, set[i]);
	for (i = 0; i < nclear; i++)
		if (page_dirty(bm, DIRTY_BASE + clear[i] * 4096ull))
			fail("%s: page %u in the dirty log, never written then", when, clear[i]);
}

static int test_dirty(void)
{
	static const unsigned first[] = { 0, 2, 4, 6, 300 }, second[] = { 1, 3, 301 };
	static const unsigned not_first[] = { 1, 3, 5, 7, 299, 301, 1000 };
	static const unsigned not_second[] = { 0, 2, 4, 6, 300, 5, 1000 };
	struct error err = { 0 };
	struct dirty_log log, other;
	static struct machine_config cfg;
	struct machine *m;
	unsigned long *bm, *keep;
	pthread_t t;
	int status;

	machine_config_defaults(&cfg);
	cfg.cmdline = "vessel.test=dirty";
	cfg.host_console = false;
	cfg.output = (struct machine_output){ guest_output, NULL };
	m = machine_create(&cfg, &err);
	if (!m)
		fail("machine_create: %s", err.msg);
	if (machine_dirty_log_open(m, DIRTY_BASE, &log, &err) ||
	    machine_dirty_log_open(m, DIRTY_BASE, &other, &err))
		fail("dirty log: %s", err.msg);
	bm = calloc(dirty_log_words(&log), sizeof(long));
	if (machine_start(m, &err))
		fail("machine_start: %s", err.msg);
	pthread_create(&t, NULL, waiter, m);

	wait_for(has_text, "dirty: phase 1", "the guest's first writes");
	/* Page 0 is kept writable: reported again, unwritten, until a sync protects it. */
	keep = calloc(dirty_log_words(&log), sizeof(long));
	keep[(DIRTY_BASE / 4096) / (8 * sizeof(long))] |= 1ul << (DIRTY_BASE / 4096 % (8 * sizeof(long)));
	if (dirty_log_sync_keep(&log, bm, keep, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, first, 5, not_first, 7, "phase 1");
	if (dirty_log_sync(&log, bm, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, first, 1, first + 1, 4, "a sync after phase 1, page 0 kept");
	/* Handed out once: a further sync has none of them. */
	if (dirty_log_sync(&log, bm, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, NULL, 0, first, 5, "a sync after phase 1");
	/* Another user's record has them all, once. */
	if (dirty_log_sync(&other, bm, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, first, 5, not_first, 7, "phase 1, the second user");
	if (dirty_log_sync(&other, bm, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, NULL, 0, first, 5, "phase 1, the second user's second sync");

	machine_console_input(m, (const uint8_t *)"g", 1);
	wait_for(has_text, "dirty: phase 2", "the guest's second writes");
	if (dirty_log_sync(&log, bm, &err))
		fail("sync: %s", err.msg);
	expect_pages(bm, second, 3, not_second, 7, "phase 2");

	machine_console_input(m, (const uint8_t *)"g", 1);
	dirty_log_close(&log);
	dirty_log_close(&other);
	status = finish(m, t);
	if (status != 0)
		fail("the guest did not power off (status %d)", status);
	free(bm);
	free(keep);
	printf("PASS: the dirty log shows the pages the guest wrote, once each (a kept page until protected)\n");
	return 0;
}

/* The guest's "counter: N" lines so far run 1, 2, 3, ...: the last N, or 0 (and fail) if not. */
static unsigned counts_in_order(void)
{
	const char *p;
	unsigned want = 1;

	pthread_mutex_lock(&out_lock);
	for (p = strstr(out, "counter: "); p; p = strstr(p + 1, "counter: ")) {
		char *end;
		unsigned long n = strtoul(p + 9, &end, 10);

		if (*end != '\r' && *end != '\n')
			continue;
		if (n != want) {
			pthread_mutex_unlock(&out_lock);
			fail("count %lu where %u belongs", n, want);
		}
		want++;
	}
	pthread_mutex_unlock(&out_lock);
	return want - 1;
}

static bool counted_to(void *arg)
{
	return counts_in_order() >= *(unsigned *)arg;
}

static int test_state(unsigned cpus)
{
	static struct machine_config cfg, into_cfg;
	struct state_writer w;
	struct state_reader r;
	struct error err = { 0 };
	struct guest_mem *from, *to;
	struct machine *m, *into;
	unsigned want = 20, at;
	pthread_t t;

	m = boot("vessel.test=counter", cpus);
	cfg = *machine_config(m);
	pthread_create(&t, NULL, waiter, m);
	wait_for(counted_to, &want, "20 counts");
	if (machine_pause(m, &err))
		fail("machine_pause: %s", err.msg);
	state_writer_init(&w);
	if (machine_state_save(m, &w, &err))
		fail("machine_state_save: %s", err.msg);
	state_reader_init(&r, w.buf, w.len);
	if (machine_state_load(m, &r, &err) == 0)
		fail("a load into a machine not made to be restored into was taken");
	into_cfg = cfg;
	into_cfg.restore = true;
	into = machine_create(&into_cfg, &err);
	if (!into)
		fail("machine_create to restore into: %s", err.msg);
	from = machine_guest_mem(m);
	to = machine_guest_mem(into);
	if (from->map_size != to->map_size)
		fail("the two machines' RAM differ in size");
	memcpy(to->map, from->map, from->map_size);
	machine_stop(m);
	if (finish(m, t) != 128 + 15)
		fail("the first machine did not stop");
	/* Whatever the line the pause cut in two, the count it ends with is the next. */
	at = counts_in_order();
	state_reader_init(&r, w.buf, w.len);
	if (machine_state_load(into, &r, &err))
		fail("machine_state_load: %s", err.msg);
	state_writer_free(&w);
	if (machine_start(into, &err))
		fail("machine_start after the load: %s", err.msg);
	pthread_create(&t, NULL, waiter, into);
	want = at + 20;
	wait_for(counted_to, &want, "20 counts after the restore");
	machine_stop(into);
	finish(into, t);
	if (strstr(strstr(out, "hello from") + 1, "hello from"))
		fail("the restored guest booted again");
	printf("PASS: the state of %u vCPU(s) moved into another machine at count %u, which "
	       "counted on to %u\n", cpus, at, counts_in_order());
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
	if (argc >= 2 && !strcmp(argv[1], "pause"))
		return test_pause(argc >= 3 ? (unsigned)atoi(argv[2]) : 1);
	if (argc >= 2 && !strcmp(argv[1], "dirty"))
		return test_dirty();
	if (argc >= 2 && !strcmp(argv[1], "state"))
		return test_state(argc >= 3 ? (unsigned)atoi(argv[2]) : 1);
	fprintf(stderr, "usage: machine_lifecycle pause [CPUS] | dirty | state [CPUS]\n");
	return 2;
}
