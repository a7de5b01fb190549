/*
 * A device's I/O thread: waits on one eventfd per queue (written by the
 * notify register, or by KVM directly as an ioeventfd) and runs the device's
 * queue handler there, so vCPU threads never do device I/O. Its loop is
 * core's event loop, with adaptive polling in front of each sleep.
 */
#ifndef VESSEL_VIRTIO_WORKER_H
#define VESSEL_VIRTIO_WORKER_H

#include "core/event_loop.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define WORKER_MAX_QUEUES 8

/*
 * Adaptive polling (as QEMU's event loop does it): after each wake-up the
 * worker busy-polls for up to poll_ns before it sleeps again, and poll_ns
 * grows while the work comes back within max_ns and drops to 0 when it does
 * not, so a busy queue is served without sleeps and an idle one costs nothing.
 */
struct worker_poll {
	/* Do whatever work is ready without blocking; true if there was any. */
	bool (*poll)(void *arg);
	/* @quiet: the worker polls, no wake-ups wanted; !@quiet: it is about to
	 * sleep, and returns true if work raced in and it must not. */
	bool (*set_quiet)(void *arg, bool quiet);
	void *arg;
	uint64_t max_ns;
	uint64_t poll_ns;	/* the current window */
	bool quiet;
};

struct virtio_worker;

struct worker_queue {
	struct virtio_worker *w;
	unsigned q;
	int efd;
};

struct virtio_worker {
	pthread_t thread;
	bool running;
	bool stopping;
	struct event_loop *loop;
	struct worker_queue queues[WORKER_MAX_QUEUES];
	unsigned nr;
	void (*handle)(void *opaque, unsigned q);
	void *opaque;
	struct worker_poll poll;
	unsigned again;		/* queues to handle again: the worker thread's own */
};

int worker_init(struct virtio_worker *w, unsigned nr_queues,
		void (*handle)(void *opaque, unsigned q), void *opaque);
/* Also call @ready on the worker thread whenever @fd becomes readable. */
int worker_watch(struct virtio_worker *w, int fd, event_fd_fn ready, void *arg);
/* Poll with up to @max_ns windows (0: never) before sleeping; call before worker_start. */
void worker_set_poll(struct virtio_worker *w, uint64_t max_ns, bool (*poll)(void *arg),
		     bool (*set_quiet)(void *arg, bool quiet), void *arg);
int worker_start(struct virtio_worker *w);
/* The eventfd that wakes the worker for queue @q: a KVM ioeventfd can write it. */
int worker_queue_fd(const struct virtio_worker *w, unsigned q);
/* Wake the worker for queue @q (from the notify register's MMIO path). */
void worker_kick(struct virtio_worker *w, unsigned q);
/*
 * From the worker's own thread (a handler that stopped at a batch's end):
 * handle queue @q again before polling or sleeping. Unlike worker_kick, no
 * system call and no trip through epoll; a stopped worker keeps the request.
 */
void worker_again(struct virtio_worker *w, unsigned q);
/* Stop the thread between two handler runs (the queues keep their kicks); start again. */
void worker_stop(struct virtio_worker *w);
void worker_destroy(struct virtio_worker *w);

#endif
