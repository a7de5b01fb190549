#include "virtio/worker.h"
#include "core/log.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
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

static void *worker_main(void *arg)
{
	struct virtio_worker *w = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct epoll_event evs[WORKER_MAX_QUEUES + WORKER_MAX_WATCHES + 1];
		int n = epoll_wait(w->epfd, evs, WORKER_MAX_QUEUES + WORKER_MAX_WATCHES + 1, -1), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (i = 0; i < n; i++) {
			unsigned q = evs[i].data.u32;

			if (q == STOP_TAG)
				return NULL;
			if (q >= WATCH_TAG) {
				const struct worker_watch *ww = &w->watches[q - WATCH_TAG];

				ww->ready(ww->arg);
				continue;
			}
			drain(w->queue_efd[q]);
			w->handle(w->opaque, q);
		}
	}
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
