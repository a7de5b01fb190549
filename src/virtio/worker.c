#include "virtio/worker.h"
#include "core/clock.h"
#include "core/log.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("worker eventfd: %s", strerror(errno));
}

static void queue_kicked(void *arg, uint32_t events)
{
	struct worker_queue *wq = arg;

	(void)events;
	drain(wq->efd);
	wq->w->handle(wq->w->opaque, wq->q);
}

int worker_init(struct virtio_worker *w, unsigned nr_queues,
		void (*handle)(void *opaque, unsigned q), void *opaque)
{
	unsigned q;

	memset(w, 0, sizeof(*w));
	for (q = 0; q < WORKER_MAX_QUEUES; q++)
		w->queues[q].efd = -1;
	if (nr_queues > WORKER_MAX_QUEUES)
		return -1;
	w->nr = nr_queues;
	w->handle = handle;
	w->opaque = opaque;
	w->loop = event_loop_create();
	if (!w->loop)
		return -1;
	for (q = 0; q < nr_queues; q++) {
		struct worker_queue *wq = &w->queues[q];

		*wq = (struct worker_queue){ w, q, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
		if (wq->efd < 0 || !event_loop_add_fd(w->loop, wq->efd, EPOLLIN, queue_kicked, wq))
			return -1;
	}
	return 0;
}

int worker_watch(struct virtio_worker *w, int fd, event_fd_fn ready, void *arg)
{
	return event_loop_add_fd(w->loop, fd, EPOLLIN, ready, arg) ? 0 : -1;
}

int worker_queue_fd(const struct virtio_worker *w, unsigned q)
{
	return q < w->nr ? w->queues[q].efd : -1;
}

#define POLL_FIRST_NS 4000	/* the first window once waits turn out short */

void worker_set_poll(struct virtio_worker *w, uint64_t max_ns, bool (*poll)(void *arg),
		     bool (*set_quiet)(void *arg, bool quiet), void *arg)
{
	w->poll = (struct worker_poll){ .poll = poll, .set_quiet = set_quiet, .arg = arg,
					.max_ns = poll ? max_ns : 0 };
}

static bool stopping(struct virtio_worker *w)
{
	return __atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE);
}

/* The worker is awake: no wake-ups wanted until it sleeps again. */
static void begin_quiet(struct worker_poll *p)
{
	if (!p->poll || p->quiet)
		return;
	p->set_quiet(p->arg, true);
	p->quiet = true;
}

/* Busy-poll for the current window; true if work turned up (and was done). */
static bool poll_window(struct virtio_worker *w)
{
	struct worker_poll *p = &w->poll;
	uint64_t end;

	if (!p->poll_ns)
		return false;
	begin_quiet(p);
	end = now_ns() + p->poll_ns;
	do {
		if (p->poll(p->arg))
			return true;
		__builtin_ia32_pause();
	} while (now_ns() < end && !stopping(w));
	return false;
}

/* Ask for wake-ups before sleeping; true if work came in meanwhile (and was done). */
static bool end_quiet(struct worker_poll *p)
{
	if (!p->set_quiet(p->arg, false)) {
		p->quiet = false;
		return false;
	}
	p->set_quiet(p->arg, true);
	p->poll(p->arg);
	return true;
}

/* Size the next window from the last idle time, polling included (QEMU's rule). */
static void adapt(struct worker_poll *p, uint64_t idle_ns)
{
	uint64_t next = p->poll_ns ? 2 * p->poll_ns : POLL_FIRST_NS;

	if (idle_ns <= p->poll_ns)
		return;
	if (idle_ns > p->max_ns)
		p->poll_ns = 0;
	else if (p->poll_ns < p->max_ns)
		p->poll_ns = next < p->max_ns ? next : p->max_ns;
}

/*
 * Sleep until an eventfd fires and run its handlers.
 * @idle_since: when the worker ran out of work, for sizing the poll window.
 */
static void wait_events(struct virtio_worker *w, uint64_t idle_since)
{
	if (event_loop_wait(w->loop, -1) <= 0)
		return;
	if (w->poll.poll) {
		adapt(&w->poll, now_ns() - idle_since);
		begin_quiet(&w->poll);
	}
	event_loop_dispatch(w->loop);
}

/*
 * Run the handlers worker_again() asked for, then whatever fired meanwhile
 * (a look without sleeping), so a queue that always has more cannot starve
 * the others; true if there were any.
 */
static bool run_again(struct virtio_worker *w)
{
	unsigned mask = w->again, q;

	if (!mask)
		return false;
	w->again = 0;
	for (q = 0; q < w->nr; q++)
		if (mask & (1u << q))
			w->handle(w->opaque, q);
	if (event_loop_wait(w->loop, 0) > 0)
		event_loop_dispatch(w->loop);
	return true;
}

static void *worker_main(void *arg)
{
	struct virtio_worker *w = arg;
	struct worker_poll *p = &w->poll;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!stopping(w)) {
		uint64_t idle = p->poll ? now_ns() : 0;

		if (run_again(w) || poll_window(w) || (p->quiet && end_quiet(p)))
			continue;
		wait_events(w, idle);
	}
	/* Stopped (paused): the driver must kick again, or nobody would look at the ring. */
	if (p->quiet) {
		p->set_quiet(p->arg, false);
		p->quiet = false;
	}
	return NULL;
}

int worker_start(struct virtio_worker *w)
{
	if (w->running)
		return 0;
	w->stopping = false;
	if (pthread_create(&w->thread, NULL, worker_main, w))
		return -1;
	pthread_setname_np(w->thread, "virtio-io");
	w->running = true;
	return 0;
}

void worker_kick(struct virtio_worker *w, unsigned q)
{
	uint64_t one = 1;

	if (q < w->nr && write(w->queues[q].efd, &one, sizeof(one)) < 0)
		pr_debug("worker kick: %s", strerror(errno));
}

void worker_again(struct virtio_worker *w, unsigned q)
{
	if (q < w->nr)
		w->again |= 1u << q;
}

static void wake_only(void *arg)
{
	(void)arg;
}

void worker_stop(struct virtio_worker *w)
{
	if (!w->running)
		return;
	__atomic_store_n(&w->stopping, true, __ATOMIC_RELEASE);
	if (event_loop_defer(w->loop, wake_only, NULL))
		pr_err("cannot wake an I/O thread to stop it: out of memory");
	pthread_join(w->thread, NULL);
	w->running = false;
}

void worker_destroy(struct virtio_worker *w)
{
	unsigned q;

	worker_stop(w);
	event_loop_destroy(w->loop);
	w->loop = NULL;
	for (q = 0; q < WORKER_MAX_QUEUES; q++)
		if (w->queues[q].efd >= 0)
			close(w->queues[q].efd);
}
