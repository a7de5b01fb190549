/* Frames queued between threads, with an eventfd that wakes the consumer. */
#include "backend/frame_queue.h"
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int frame_queue_init(struct frame_queue *q)
{
	memset(q, 0, sizeof(*q));
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0)
		return -1;
	pthread_mutex_init(&q->lock, NULL);
	return 0;
}

void frame_queue_destroy(struct frame_queue *q)
{
	if (q->fd < 0)
		return;
	while (q->count) {
		free(q->f[q->head]);
		q->head = (q->head + 1) % FRAME_QUEUE_LEN;
		q->count--;
	}
	close(q->fd);
	q->fd = -1;
	pthread_mutex_destroy(&q->lock);
}

static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		pr_debug("frame queue: eventfd: %s", strerror(errno));
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("frame queue: eventfd: %s", strerror(errno));
}

/* Under the lock, with room: add @f, waking the consumer if the queue was empty. */
static void add(struct frame_queue *q, struct frame *f)
{
	q->f[(q->head + q->count++) % FRAME_QUEUE_LEN] = f;
	if (q->count == 1 && !q->kicked) {
		kick(q->fd);
		q->kicked = true;
	}
}

int frame_queue_push(struct frame_queue *q, struct frame *f)
{
	bool full;

	pthread_mutex_lock(&q->lock);
	full = q->count == FRAME_QUEUE_LEN;
	if (full)
		q->dropped++;
	else
		add(q, f);
	pthread_mutex_unlock(&q->lock);
	if (full)
		free(f);
	return full ? -1 : 0;
}

int frame_queue_try_push(struct frame_queue *q, struct frame *f)
{
	bool full;

	pthread_mutex_lock(&q->lock);
	full = q->count == FRAME_QUEUE_LEN;
	if (full)
		q->stalled = true;
	else
		add(q, f);
	pthread_mutex_unlock(&q->lock);
	return full ? -1 : 0;
}

bool frame_queue_full(struct frame_queue *q)
{
	bool full;

	pthread_mutex_lock(&q->lock);
	full = q->count == FRAME_QUEUE_LEN;
	if (full)
		q->stalled = true;
	pthread_mutex_unlock(&q->lock);
	return full;
}

struct frame *frame_queue_pop(struct frame_queue *q, bool *resume)
{
	struct frame *f = NULL;
	bool go = false;

	pthread_mutex_lock(&q->lock);
	if (q->count) {
		f = q->f[q->head];
		q->head = (q->head + 1) % FRAME_QUEUE_LEN;
		q->count--;
		if (q->stalled && q->count <= FRAME_QUEUE_LEN / 2) {
			q->stalled = false;
			go = true;
		}
	} else if (q->kicked) {
		drain(q->fd);
		q->kicked = false;
	}
	pthread_mutex_unlock(&q->lock);
	if (resume)
		*resume = go;
	return f;
}

struct frame *frame_new(size_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);

	if (f)
		f->len = len;
	return f;
}

ssize_t frame_queue_push_iov(struct frame_queue *q, const struct iovec *iov, unsigned n)
{
	size_t len = 0, off = 0;
	struct frame *f;
	unsigned i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	f = frame_new(len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(f->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return frame_queue_push(q, f) ? -ENOBUFS : (ssize_t)len;
}

ssize_t frame_queue_pop_iov(struct frame_queue *q, const struct iovec *iov, unsigned n,
			    bool *resume)
{
	struct frame *f = frame_queue_pop(q, resume);
	size_t room = 0, off = 0;
	ssize_t r;
	unsigned i;

	if (!f)
		return -EAGAIN;
	for (i = 0; i < n; i++)
		room += iov[i].iov_len;
	r = f->len > room ? -EMSGSIZE : (ssize_t)f->len;
	for (i = 0; i < n && r > 0 && off < f->len; i++) {
		size_t k = f->len - off < iov[i].iov_len ? f->len - off : iov[i].iov_len;

		memcpy(iov[i].iov_base, f->data + off, k);
		off += k;
	}
	free(f);
	return r;
}
