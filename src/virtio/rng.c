#include "virtio/rng.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

#define VIRTIO_ID_RNG		4
#define RNG_QUEUE_SIZE		64
#define PCI_CLASS_OTHER		0xff00
#define RNG_MAX_IOV		16

/* Fill the chain's writable segments; returns the bytes written or -1. */
static long fill(void *arg, struct virtq_chain *c)
{
	struct virtio_rng *r = arg;
	struct iovec iov[RNG_MAX_IOV];
	long total = 0;
	unsigned i;

	for (i = c->nr_out; i < c->nr; i++) {
		const struct virtq_seg *s = &c->segs[i];
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
			gm_mark_dirty_hva(r->vd.dma.mem, iov[k].iov_base, (uint64_t)got);
			total += got;
			if ((size_t)got < iov[k].iov_len)
				return total;	/* a short read: hand over what we have */
		}
	}
	return total;
}

static int serve(void *arg, struct virtqueue *vq)
{
	struct virtio_rng *r = arg;

	return virtio_serve_chains(vq, &r->chain, fill, r);
}

static void rng_handle(void *opaque, unsigned q)
{
	struct virtio_rng *r = opaque;

	virtio_queue_serve(&r->vd, q, serve, r);
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
	r->vd.worker = &r->worker;
	return 0;
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	worker_destroy(&r->worker);
	virtio_pci_destroy(&r->vd);
}

static void rng_dev_destroy(void *dev)
{
	virtio_rng_destroy(dev);
	free(dev);
}

_Static_assert(offsetof(struct virtio_rng, vd) == 0, "the registry's hooks take a virtio_dev");

/* Its record is the transport's alone: the device keeps nothing of its own. */
const struct device_ops virtio_rng_device_ops = {
	.kind = "virtio-rng",
	.state_version = VIRTIO_STATE_VERSION,
	.reset = virtio_device_reset,
	.pause = virtio_device_pause,
	.resume = virtio_device_resume,
	.save = virtio_device_save,
	.restore = virtio_device_restore,
	.destroy = rng_dev_destroy,
};
