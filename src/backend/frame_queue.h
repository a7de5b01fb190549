/*
 * A bounded queue of whole frames between two threads (a NIC's queue thread
 * and a network stack's own), with an eventfd that is readable while frames
 * wait. The fd is kicked only when the queue goes from empty to not empty,
 * and drained when the consumer finds it empty: one wakeup per batch. A
 * consumer that polls an empty queue makes no system call.
 */
#ifndef VESSEL_BACKEND_FRAME_QUEUE_H
#define VESSEL_BACKEND_FRAME_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define FRAME_QUEUE_LEN	256	/* frames waiting in one direction */

struct frame {
	size_t len;
	uint8_t data[];
};

struct frame_queue {
	pthread_mutex_t lock;
	struct frame *f[FRAME_QUEUE_LEN];
	unsigned head, count;
	int fd;			/* eventfd: readable while frames wait */
	bool kicked;		/* fd written since it was last drained */
	bool stalled;		/* a producer waits for room (frame_queue_try_push) */
	uint64_t dropped;	/* frames frame_queue_push found no room for */
};

/* 0, or -1 with errno (the eventfd). */
int frame_queue_init(struct frame_queue *q);
/* Frees the frames still waiting and closes the fd. */
void frame_queue_destroy(struct frame_queue *q);

/* Add @f; when the queue is full, @f is freed and counted dropped, and -1 returned. */
int frame_queue_push(struct frame_queue *q, struct frame *f);
/*
 * Add @f, or return -1 leaving @f to the caller when the queue is full: the
 * queue is then marked stalled, and the pop that makes room says so.
 */
int frame_queue_try_push(struct frame_queue *q, struct frame *f);
/*
 * Whether the queue is full; if it is, it is marked stalled as by
 * frame_queue_try_push, so a producer can wait for room before it has a frame.
 */
bool frame_queue_full(struct frame_queue *q);
/*
 * The oldest frame, or NULL when none waits. *@resume (if not NULL) is set
 * when a stalled producer may push again (the queue is half empty).
 */
struct frame *frame_queue_pop(struct frame_queue *q, bool *resume);

/* A frame of @len bytes, uninitialised; NULL when out of memory. */
struct frame *frame_new(size_t len);

/*
 * A NIC's backend ops over a pair of queues: the frame in @iov[0..@n) queued
 * (its length, -ENOMEM, or -ENOBUFS when the queue was full and it was
 * dropped); the oldest frame copied out (its length, -EAGAIN when none waits,
 * -EMSGSIZE when it did not fit and was dropped), *@resume as for pop.
 */
ssize_t frame_queue_push_iov(struct frame_queue *q, const struct iovec *iov, unsigned n);
ssize_t frame_queue_pop_iov(struct frame_queue *q, const struct iovec *iov, unsigned n,
			    bool *resume);

#endif
