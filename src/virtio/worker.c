#include "virtio/worker.h"
#include "core/log.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define STOP_TAG UINT32_MAX
#define WATCH_TAG 0x10000	/* + watch index; queue tags are below */

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("worker eventfd: %s", strerror(errno));
}

int worker_init(struct virtio_worker *w, unsigned nr_queues,
		void (*handle)(void *opaque, unsigned q), void *opaque)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned q;

	memset(w, 0, sizeof(*w));
	w->epfd = w->stop_efd = -1;
	for (q = 0; q < WORKER_MAX_QUEUES; q++)
		w->queue_efd[q] = -1;
	if (nr_queues > WORKER_MAX_QUEUES)
		return -1;
	w->nr = nr_queues;
	w->handle = handle;
	w->opaque = opaque;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->stop_efd < 0)
		return -1;
	ev.data.u32 = STOP_TAG;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stop_efd, &ev))
		return -1;
	for (q = 0; q < nr_queues; q++) {
		w->queue_efd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ev.data.u32 = q;
		if (w->queue_efd[q] < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->queue_efd[q], &ev))
			return -1;
	}
	return 0;
}

int worker_watch(struct virtio_worker *w, int fd, void (*ready)(void *arg), void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (w->nr_watches == WORKER_MAX_WATCHES)
		return -1;
	ev.data.u32 = WATCH_TAG + w->nr_watches;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	w->watches[w->nr_watches++] = (struct worker_watch){ fd, ready, arg };
	return 0;
}

int worker_queue_fd(const struct virtio_worker *w, unsigned q)
{
	return q < w->nr ? w->queue_efd[q] : -1;
}

#define POLL_FIRST_NS 4000	/* the first window once waits turn out short */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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
 * Sleep until an eventfd fires and run its handlers; false when told to stop.
 * @idle_since: when the worker ran out of work, for sizing the poll window.
 */
static bool wait_events(struct virtio_worker *w, uint64_t idle_since)
{
	struct epoll_event evs[WORKER_MAX_QUEUES + WORKER_MAX_WATCHES + 1];
	int n = epoll_wait(w->epfd, evs, WORKER_MAX_QUEUES + WORKER_MAX_WATCHES + 1, -1), i;

	if (n < 0)
		return errno == EINTR;
	if (w->poll.poll) {
		adapt(&w->poll, now_ns() - idle_since);
		begin_quiet(&w->poll);
	}
	for (i = 0; i < n; i++) {
		unsigned q = evs[i].data.u32;

		if (q == STOP_TAG)
			return false;
		if (q >= WATCH_TAG) {
			const struct worker_watch *ww = &w->watches[q - WATCH_TAG];

			ww->ready(ww->arg);
			continue;
		}
		drain(w->queue_efd[q]);
		w->handle(w->opaque, q);
	}
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

		if (poll_window(w) || (p->quiet && end_quiet(p)))
			continue;
		if (!wait_events(w, idle))
			break;
	}
	return NULL;
}

int worker_start(struct virtio_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w))
		return -1;
	pthread_setname_np(w->thread, "virtio-io");
	w->running = true;
	return 0;
}

void worker_kick(struct virtio_worker *w, unsigned q)
{
	uint64_t one = 1;

	if (q < w->nr && write(w->queue_efd[q], &one, sizeof(one)) < 0)
		pr_debug("worker kick: %s", strerror(errno));
}

void worker_stop(struct virtio_worker *w)
{
	uint64_t one = 1;

	if (!w->running)
		return;
	__atomic_store_n(&w->stopping, true, __ATOMIC_RELEASE);
	if (write(w->stop_efd, &one, sizeof(one)) < 0)
		pr_debug("worker stop: %s", strerror(errno));
	pthread_join(w->thread, NULL);
	w->running = false;
}

void worker_destroy(struct virtio_worker *w)
{
	unsigned q;

	worker_stop(w);
	for (q = 0; q < WORKER_MAX_QUEUES; q++)
		if (w->queue_efd[q] >= 0)
			close(w->queue_efd[q]);
	if (w->stop_efd >= 0)
		close(w->stop_efd);
	if (w->epfd >= 0)
		close(w->epfd);
}
