#include "virtio/rng.h"

#include <errno.h>
#include <sys/random.h>

#define VIRTIO_ID_RNG		4
#define RNG_QUEUE_SIZE		64
#define PCI_CLASS_OTHER		0xff00
#define RNG_MAX_IOV		16

/* Fill the chain's writable segments; returns the bytes written or -1. */
static long fill(struct virtio_rng *r)
{
	struct iovec iov[RNG_MAX_IOV];
	long total = 0;
	unsigned i;

	for (i = r->chain.nr_out; i < r->chain.nr; i++) {
		const struct virtq_seg *s = &r->chain.segs[i];
		int n = dma_map_iov(&r->vd.dma, s->addr, s->len, true, iov, RNG_MAX_IOV), k;

		if (n < 0)
			return -1;
		for (k = 0; k < n; k++) {
			ssize_t got;

			do
				got = getrandom(iov[k].iov_base, iov[k].iov_len, 0);
			while (got < 0 && errno == EINTR);
			if (got < 0)
				return -1;
			total += got;
			if ((size_t)got < iov[k].iov_len)
				return total;	/* a short read: hand over what we have */
		}
	}
	return total;
}

static void rng_handle(void *opaque, unsigned q)
{
	struct virtio_rng *r = opaque;
	struct virtio_dev *vd = &r->vd;
	struct virtqueue *vq = &vd->queues[q].vq;
	bool broken = false, pushed = false;

	pthread_mutex_lock(&vd->lock);
	while (virtio_queue_live(vd, q)) {
		enum vq_pop_result pr = vq_pop(vq, &r->chain);
		long n;

		if (pr == VQ_EMPTY)
			break;
		n = pr == VQ_CHAIN ? fill(r) : -1;
		if (n < 0 || vq_push(vq, r->chain.head, (uint32_t)n)) {
			broken = true;
			break;
		}
		pushed = true;
	}
	pthread_mutex_unlock(&vd->lock);
	if (broken)
		virtio_needs_reset(vd);
	else if (pushed)
		virtio_notify_queue(vd, q);
}

static void rng_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_rng *r = vd->opaque;

	worker_kick(&r->worker, q);
}

static int rng_queue_fd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_rng *r = vd->opaque;

	return worker_queue_fd(&r->worker, q);
}

static const struct virtio_dev_ops rng_ops = {
	.notify = rng_notify,
	.queue_fd = rng_queue_fd,
};

int virtio_rng_init(struct virtio_rng *r, const struct virtio_pci_env *env)
{
	if (virtio_pci_init(&r->vd, VIRTIO_ID_RNG, PCI_CLASS_OTHER, 1, RNG_QUEUE_SIZE, 0, 0,
			    &rng_ops, r, env))
		return -1;
	if (worker_init(&r->worker, 1, rng_handle, r) || worker_start(&r->worker))
		return -1;
	return 0;
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	worker_destroy(&r->worker);
	msix_destroy(&r->vd.msix);
}
