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

struct virtio_worker {
	pthread_t thread;
	bool running;
	int epfd;
	int stop_efd;
	int queue_efd[WORKER_MAX_QUEUES];
	unsigned nr;
	void (*handle)(void *opaque, unsigned q);
	void *opaque;
};

int worker_init(struct virtio_worker *w, unsigned nr_queues,
		void (*handle)(void *opaque, unsigned q), void *opaque);
int worker_start(struct virtio_worker *w);
/* Wake the worker for queue @q (from the notify register's MMIO path). */
void worker_kick(struct virtio_worker *w, unsigned q);
void worker_stop(struct virtio_worker *w);
void worker_destroy(struct virtio_worker *w);

#endif
