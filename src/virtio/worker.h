/*
 * A device's I/O thread: waits on one eventfd per queue (written by the
 * notify register, or by KVM directly as an ioeventfd) and runs the device's
 * queue handler there, so vCPU threads never do device I/O.
 */
#ifndef VESSEL_VIRTIO_WORKER_H
#define VESSEL_VIRTIO_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#define WORKER_MAX_QUEUES 8
#define WORKER_MAX_WATCHES 2

struct worker_watch {
	int fd;
	void (*ready)(void *arg);
	void *arg;
};

struct virtio_worker {
	pthread_t thread;
	bool running;
	int epfd;
	int stop_efd;
	int queue_efd[WORKER_MAX_QUEUES];
	unsigned nr;
	struct worker_watch watches[WORKER_MAX_WATCHES];
	unsigned nr_watches;
	void (*handle)(void *opaque, unsigned q);
	void *opaque;
};

int worker_init(struct virtio_worker *w, unsigned nr_queues,
		void (*handle)(void *opaque, unsigned q), void *opaque);
/* Also call @ready on the worker thread whenever @fd becomes readable. */
int worker_watch(struct virtio_worker *w, int fd, void (*ready)(void *arg), void *arg);
int worker_start(struct virtio_worker *w);
/* The eventfd that wakes the worker for queue @q: a KVM ioeventfd can write it. */
int worker_queue_fd(const struct virtio_worker *w, unsigned q);
/* Wake the worker for queue @q (from the notify register's MMIO path). */
void worker_kick(struct virtio_worker *w, unsigned q);
void worker_stop(struct virtio_worker *w);
void worker_destroy(struct virtio_worker *w);

#endif
