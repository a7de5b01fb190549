/* The virtio I/O thread: kicks, adaptive polling with the driver kept quiet, and stopping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "virtio/worker.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

struct device {
	unsigned pending;	/* work the "driver" offered */
	unsigned by_kick, by_poll;
	unsigned quiet_calls;
	int quiet;
	int quiet_when_found;	/* whether the driver was quiet when a poll last found work */
	int stuck;		/* poll always finds work */
};

static struct device dev;
static struct virtio_worker w;

static unsigned take(struct device *d)
{
	return __atomic_exchange_n(&d->pending, 0, __ATOMIC_ACQ_REL);
}

static void handle(void *opaque, unsigned q)
{
	struct device *d = opaque;

	(void)q;
	__atomic_add_fetch(&d->by_kick, take(d), __ATOMIC_RELEASE);
}

static bool poll_dev(void *arg)
{
	struct device *d = arg;
	unsigned n = take(d);

	if (n)
		__atomic_store_n(&d->quiet_when_found, __atomic_load_n(&d->quiet, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
	__atomic_add_fetch(&d->by_poll, n, __ATOMIC_RELEASE);
	return n || __atomic_load_n(&d->stuck, __ATOMIC_ACQUIRE);
}

static bool set_quiet(void *arg, bool quiet)
{
	struct device *d = arg;

	__atomic_store_n(&d->quiet, quiet, __ATOMIC_RELEASE);
	__atomic_add_fetch(&d->quiet_calls, 1, __ATOMIC_RELEASE);
	return !quiet && __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned done(void)
{
	return __atomic_load_n(&dev.by_kick, __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&dev.by_poll, __ATOMIC_ACQUIRE);
}

/* Wait up to @secs for @n pieces of work to be done. */
static bool wait_done(unsigned n, double secs)
{
	double end = now() + secs;

	while (done() < n)
		if (now() > end)
			return false;
		else
			usleep(100);
	return true;
}

static void start(uint64_t max_ns)
{
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(worker_init(&w, 1, handle, &dev), 0);
	worker_set_poll(&w, max_ns, poll_dev, set_quiet, &dev);
	assert_int_equal(worker_start(&w), 0);
}

static void offer(bool kick)
{
	__atomic_add_fetch(&dev.pending, 1, __ATOMIC_RELEASE);
	if (kick)
		worker_kick(&w, 0);
}

/* Work that keeps coming back soon grows the window until the worker finds it unkicked. */
static void test_polling_finds_unkicked_work(void **state)
{
	unsigned i;
	double t;

	(void)state;
	start(1000000000ull);
	for (i = 0; i < 40 && !dev.by_poll; i++) {
		offer(!__atomic_load_n(&dev.quiet, __ATOMIC_ACQUIRE));
		assert_true(wait_done(i + 1, 5));
	}
	assert_true(dev.by_poll > 0);
	/* The driver was told not to kick while the worker polled (read at the find: under load
	 * the window may be over by now). */
	assert_true(__atomic_load_n(&dev.quiet_when_found, __ATOMIC_ACQUIRE));
	/* As a driver does: a kick only when asked for one; work racing the sleep is still found. */
	offer(!__atomic_load_n(&dev.quiet, __ATOMIC_ACQUIRE));
	assert_true(wait_done(i + 1, 5));
	/* Stopping does not wait for the poll window, even when work never ends. */
	__atomic_store_n(&dev.stuck, 1, __ATOMIC_RELEASE);
	t = now();
	worker_destroy(&w);
	assert_true(now() - t < 0.5);
}

/* poll=0: the worker sleeps at once, and only a kick brings it back. */
static void test_no_polling_sleeps(void **state)
{
	(void)state;
	start(0);
	offer(true);
	assert_true(wait_done(1, 5));
	usleep(20000);
	assert_false(__atomic_load_n(&dev.quiet, __ATOMIC_ACQUIRE));	/* asleep, kicks wanted */
	offer(false);
	usleep(50000);
	assert_int_equal(done(), 1);
	worker_kick(&w, 0);
	assert_true(wait_done(2, 5));
	assert_int_equal(dev.by_poll, 0);
	/* Each wake-up asked for quiet and then for kicks again. */
	usleep(20000);
	assert_int_equal(__atomic_load_n(&dev.quiet_calls, __ATOMIC_ACQUIRE) % 2, 0);
	worker_destroy(&w);
}

/* Two queues: queue 0 comes back through worker_again @again times, or for ever (-1). */
struct again_dev {
	int again;
	unsigned runs[2];
};

static struct again_dev adev;
static struct virtio_worker aw;

static void handle_again(void *opaque, unsigned q)
{
	struct again_dev *d = opaque;

	__atomic_add_fetch(&d->runs[q], 1, __ATOMIC_RELEASE);
	if (q == 0 && __atomic_load_n(&d->again, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&d->again, __ATOMIC_ACQUIRE) > 0)
			__atomic_sub_fetch(&d->again, 1, __ATOMIC_ACQ_REL);
		worker_again(&aw, 0);
	}
}

static bool wait_runs(unsigned q, unsigned n, double secs)
{
	double end = now() + secs;

	while (__atomic_load_n(&adev.runs[q], __ATOMIC_ACQUIRE) < n)
		if (now() > end)
			return false;
		else
			usleep(100);
	return true;
}

/* A handler's own "come back" runs it again without a kick, and starves no other queue. */
static void test_again(void **state)
{
	(void)state;
	memset(&adev, 0, sizeof(adev));
	adev.again = 5;
	assert_int_equal(worker_init(&aw, 2, handle_again, &adev), 0);
	assert_int_equal(worker_start(&aw), 0);
	worker_kick(&aw, 0);
	assert_true(wait_runs(0, 6, 5));
	usleep(20000);
	assert_int_equal(__atomic_load_n(&adev.runs[0], __ATOMIC_ACQUIRE), 6);	/* once asked, once each again */
	/* Queue 0 now always has more: queue 1's kick is served all the same. */
	__atomic_store_n(&adev.again, -1, __ATOMIC_RELEASE);
	worker_kick(&aw, 0);
	assert_true(wait_runs(0, 100, 5));
	worker_kick(&aw, 1);
	assert_true(wait_runs(1, 1, 5));
	/* A stopped worker keeps the request: the restarted thread runs queue 0 again. */
	worker_stop(&aw);
	__atomic_store_n(&adev.again, 0, __ATOMIC_RELEASE);
	adev.runs[0] = 0;
	assert_int_equal(worker_start(&aw), 0);
	assert_true(wait_runs(0, 1, 5));
	worker_destroy(&aw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polling_finds_unkicked_work),
		cmocka_unit_test(test_no_polling_sleeps),
		cmocka_unit_test(test_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
