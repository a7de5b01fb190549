#include "virtio/virtqueue.h"

#include <string.h>

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1
#define DESC_SIZE			16

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

void vq_init(struct virtqueue *vq, const struct dma_space *dma, uint16_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx, bool indirect)
{
	memset(vq, 0, sizeof(*vq));
	vq->dma = dma;
	vq->size = size;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
}

static int read16(const struct virtqueue *vq, uint64_t addr, uint16_t *v)
{
	return dma_read16(vq->dma, addr, v);
}

static int add_seg(struct virtq_chain *c, const struct virtq_desc *d)
{
	bool write = d->flags & VIRTQ_DESC_F_WRITE;

	if (c->nr == VIRTQ_MAX_SEGS)
		return -1;
	/* Readable before writable (2.7.4.2): a readable one after a writable breaks it. */
	if (!write && c->nr != c->nr_out)
		return -1;
	c->segs[c->nr].addr = d->addr;
	c->segs[c->nr].len = d->len;
	c->segs[c->nr].write = write;
	c->nr++;
	if (!write)
		c->nr_out++;
	return 0;
}

/* Walk an indirect table of @len bytes at @addr (2.7.5.3): no nesting, bounded. */
static int walk_indirect(struct virtqueue *vq, const struct virtq_desc *outer,
			 struct virtq_chain *c)
{
	unsigned n = outer->len / DESC_SIZE, i = 0, steps;
	struct virtq_desc d;

	if (!vq->indirect || outer->len == 0 || outer->len % DESC_SIZE || n > VIRTQ_MAX_SEGS ||
	    (outer->flags & VIRTQ_DESC_F_NEXT))
		return -1;
	for (steps = 0; steps < n; steps++) {
		if (dma_read(vq->dma, outer->addr + (uint64_t)i * DESC_SIZE, &d, sizeof(d)))
			return -1;
		if ((d.flags & VIRTQ_DESC_F_INDIRECT) || add_seg(c, &d))
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return -1;
	}
	return -1;	/* a loop: more steps than entries */
}

enum vq_pop_result vq_pop(struct virtqueue *vq, struct virtq_chain *c)
{
	uint16_t avail_idx, head, i;
	unsigned steps;
	struct virtq_desc d;

	if (!vq->size)
		return VQ_EMPTY;	/* the queue was never set up */
	if (read16(vq, vq->avail + 2, &avail_idx))
		return VQ_BROKEN;
	if (avail_idx == vq->last_avail) {
		/*
		 * With EVENT_IDX the driver kicks only past avail_event (2.7.10): move
		 * it to here before sleeping, then look again for a buffer that raced.
		 */
		if (!vq->event_idx || vq->notify_off)
			return VQ_EMPTY;
		if (vq_enable_notify(vq) || read16(vq, vq->avail + 2, &avail_idx))
			return VQ_BROKEN;
		if (avail_idx == vq->last_avail)
			return VQ_EMPTY;
	}
	/* More new entries than the ring holds means a corrupt index. */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return VQ_BROKEN;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (read16(vq, vq->avail + 4 + 2ull * (vq->last_avail % vq->size), &head) ||
	    head >= vq->size)
		return VQ_BROKEN;
	vq->last_avail++;

	c->head = head;
	c->nr = c->nr_out = 0;
	i = head;
	for (steps = 0; steps < vq->size; steps++) {
		if (dma_read(vq->dma, vq->desc + (uint64_t)i * DESC_SIZE, &d, sizeof(d)))
			return VQ_BROKEN;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* An indirect descriptor is the chain's only one (2.7.5.3.1). */
			if (steps != 0 || walk_indirect(vq, &d, c))
				return VQ_BROKEN;
			return VQ_CHAIN;
		}
		if (add_seg(c, &d))
			return VQ_BROKEN;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VQ_CHAIN;
		i = d.next;
		if (i >= vq->size)
			return VQ_BROKEN;
	}
	return VQ_BROKEN;	/* longer than the ring: a loop */
}

void vq_unpop(struct virtqueue *vq, unsigned n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint32_t elem[2] = { head, len };
	uint16_t idx = (uint16_t)(vq->used_idx + 1);

	if (dma_write(vq->dma, vq->used + 4 + 8ull * (vq->used_idx % vq->size), elem, sizeof(elem)))
		return -1;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (dma_write16(vq->dma, vq->used + 2, idx))
		return -1;
	vq->used_idx = idx;
	return 0;
}

bool vq_should_notify(struct virtqueue *vq)
{
	uint16_t flags, event, old = vq->signalled_used, now = vq->used_idx;
	bool valid = vq->signalled_valid;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (!vq->event_idx) {
		if (read16(vq, vq->avail, &flags))
			return true;
		return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (read16(vq, vq->avail + 4 + 2ull * vq->size, &event))
		return true;
	/* vring_need_event: did used_idx step past used_event since the last interrupt? */
	return !valid || (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

int vq_enable_notify(struct virtqueue *vq)
{
	int err;

	if (!vq->size)
		return 0;
	vq->notify_off = false;
	if (vq->event_idx)
		err = dma_write16(vq->dma, vq->used + 4 + 8ull * vq->size, vq->last_avail);
	else
		err = dma_write16(vq->dma, vq->used, 0);
	/* The driver must see this before we look at the ring again (2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return err;
}

int vq_disable_notify(struct virtqueue *vq)
{
	if (!vq->size || vq->notify_off)
		return 0;
	vq->notify_off = true;
	/* With EVENT_IDX avail_event is simply left behind: the driver kicks at most once more. */
	if (vq->event_idx)
		return 0;
	return dma_write16(vq->dma, vq->used, VIRTQ_USED_F_NO_NOTIFY);
}

bool vq_has_avail(const struct virtqueue *vq)
{
	uint16_t idx;

	if (!vq->size)
		return false;
	return read16(vq, vq->avail + 2, &idx) || idx != vq->last_avail;
}
