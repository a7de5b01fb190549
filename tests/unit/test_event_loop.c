/* The core event loop: fd watches, removal from callbacks, timers, deferred work, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/event_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct counter {
	struct event_loop *loop;
	struct event_watch *self, *other;
	int fd;
	unsigned hits;
	unsigned stop_after;	/* stop the loop at this many hits, 0: never */
};

static void bump(struct counter *c)
{
	c->hits++;
	if (c->stop_after && c->hits == c->stop_after)
		event_loop_stop(c->loop);
}

static void fd_ready(void *arg, uint32_t events)
{
	struct counter *c = arg;
	uint64_t v;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(c->fd, &v, sizeof(v)), sizeof(v));
	bump(c);
}

static void signal_efd(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
}

static void test_fd_watch(void **state)
{
	struct event_loop *l = event_loop_create();
	struct counter c = { .loop = l, .fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };

	(void)state;
	assert_non_null(l);
	assert_non_null(event_loop_add_fd(l, c.fd, EPOLLIN, fd_ready, &c));
	assert_int_equal(event_loop_run_once(l, 0), 0);	/* nothing ready: no call */
	signal_efd(c.fd);
	assert_int_equal(event_loop_run_once(l, 1000), 1);
	assert_int_equal(c.hits, 1);
	event_loop_destroy(l);
	close(c.fd);
}

/* Two fds ready at once, the first callback removes the second: it is not called. */
static void remove_other(void *arg, uint32_t events)
{
	struct counter *c = arg;

	(void)events;
	bump(c);
	event_watch_remove(c->other);
	event_watch_remove(c->self);
}

static void test_remove_in_callback(void **state)
{
	struct event_loop *l = event_loop_create();
	struct counter a = { .loop = l }, b = { .loop = l };
	int fa = eventfd(1, EFD_NONBLOCK), fb = eventfd(1, EFD_NONBLOCK);

	(void)state;
	a.fd = fa;
	b.fd = fb;
	a.self = event_loop_add_fd(l, fa, EPOLLIN, remove_other, &a);
	b.self = event_loop_add_fd(l, fb, EPOLLIN, remove_other, &b);
	a.other = b.self;
	b.other = a.self;
	assert_int_equal(event_loop_run_once(l, 1000), 2);
	assert_int_equal(a.hits + b.hits, 1);
	/* Both are gone: still readable, nothing fires. */
	assert_int_equal(event_loop_run_once(l, 50), 0);
	assert_int_equal(a.hits + b.hits, 1);
	event_loop_destroy(l);
	close(fa);
	close(fb);
}

static void timer_fired(void *arg)
{
	bump(arg);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_timers(void **state)
{
	struct event_loop *l = event_loop_create();
	struct counter once = { .loop = l }, every = { .loop = l, .stop_after = 3 };
	struct event_timer *t1 = event_loop_add_timer(l, timer_fired, &once);
	struct event_timer *t2 = event_loop_add_timer(l, timer_fired, &every);
	double start = now();

	(void)state;
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_equal(event_timer_arm(t1, 5 * 1000000ull, 0), 0);
	assert_int_equal(event_timer_arm(t2, 10 * 1000000ull, 10 * 1000000ull), 0);
	assert_int_equal(event_loop_run(l), 0);
	/* Three periods of 10 ms, at least: timers never fire early. */
	assert_true(now() - start >= 0.029);
	assert_int_equal(every.hits, 3);
	assert_int_equal(once.hits, 1);
	/* Disarmed: nothing more (the stop's own wake-up may still be read). */
	assert_int_equal(event_timer_arm(t2, 0, 0), 0);
	event_loop_run_once(l, 50);
	event_loop_run_once(l, 50);
	assert_int_equal(every.hits, 3);
	event_timer_remove(t1);
	event_loop_destroy(l);
}

static void deferred(void *arg)
{
	bump(arg);
}

struct poster {
	struct event_loop *loop;
	struct counter *c;
	unsigned n;
};

static void *post(void *arg)
{
	struct poster *p = arg;
	unsigned i;

	for (i = 0; i < p->n; i++)
		assert_int_equal(event_loop_defer(p->loop, deferred, p->c), 0);
	return NULL;
}

/* Work deferred from two other threads all runs, on the loop's thread. */
static void test_defer_from_threads(void **state)
{
	struct event_loop *l = event_loop_create();
	struct counter c = { .loop = l, .stop_after = 2000 };
	struct poster p = { l, &c, 1000 };
	pthread_t t1, t2;

	(void)state;
	assert_int_equal(pthread_create(&t1, NULL, post, &p), 0);
	assert_int_equal(pthread_create(&t2, NULL, post, &p), 0);
	assert_int_equal(event_loop_run(l), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_int_equal(c.hits, 2000);
	event_loop_destroy(l);
}

/* A loop thread of its own serves watches; destroy stops and joins it. */
static void test_thread(void **state)
{
	struct event_loop *l = event_loop_create();
	struct counter c = { .loop = l, .fd = eventfd(0, EFD_NONBLOCK) };
	unsigned i;

	(void)state;
	assert_non_null(event_loop_add_fd(l, c.fd, EPOLLIN, fd_ready, &c));
	assert_int_equal(event_loop_start_thread(l, "test-loop"), 0);
	signal_efd(c.fd);
	for (i = 0; i < 2000 && !__atomic_load_n(&c.hits, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&c.hits, __ATOMIC_ACQUIRE), 1);
	event_loop_destroy(l);
	close(c.fd);
}

/* epoll cannot wait on a regular file: the caller is told so (EPERM), and reads it itself. */
static void test_regular_file(void **state)
{
	struct event_loop *l = event_loop_create();
	char path[] = "/tmp/vessel-loop-XXXXXX";
	int fd = mkstemp(path);
	struct counter c = { .loop = l, .fd = fd };

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_null(event_loop_add_fd(l, fd, EPOLLIN, fd_ready, &c));
	assert_int_equal(errno, EPERM);
	event_loop_destroy(l);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_remove_in_callback),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_defer_from_threads),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_regular_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
