/* virtio-input's eventq and statusq work (input_queue.h). */
#include "virtio/input_queue.h"
#include "virtio/input_config.h"

#include <string.h>

static void count(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

void virtio_input_queue_event(struct virtio_input_events *q, struct virtio_input_stats *st,
			      uint16_t type, uint16_t code, uint32_t value)
{
	if (q->count == VIRTIO_INPUT_PENDING) {
		q->head = (q->head + 1) % VIRTIO_INPUT_PENDING;
		q->count--;
		count(&st->dropped);
	}
	q->ev[(q->head + q->count) % VIRTIO_INPUT_PENDING] =
		(struct virtio_input_event){ type, code, value };
	q->count++;
}

static void encode(const struct virtio_input_event *e, uint8_t *b)
{
	b[0] = (uint8_t)e->type;
	b[1] = (uint8_t)(e->type >> 8);
	b[2] = (uint8_t)e->code;
	b[3] = (uint8_t)(e->code >> 8);
	b[4] = (uint8_t)e->value;
	b[5] = (uint8_t)(e->value >> 8);
	b[6] = (uint8_t)(e->value >> 16);
	b[7] = (uint8_t)(e->value >> 24);
}

/* The event into the chain's writable segments, in order; -1 if they hold less. */
static int put_event(const struct dma_space *dma, const struct virtq_chain *c,
		     const struct virtio_input_event *e)
{
	uint8_t b[VIRTIO_INPUT_EVENT_SIZE];
	uint32_t done = 0;
	unsigned i;

	encode(e, b);
	for (i = c->nr_out; i < c->nr && done < sizeof(b); i++) {
		uint32_t n = c->segs[i].len < sizeof(b) - done ? c->segs[i].len
							       : (uint32_t)sizeof(b) - done;

		if (dma_write(dma, c->segs[i].addr, b + done, n))
			return -1;
		done += n;
	}
	return done == sizeof(b) ? 0 : -1;
}

int virtio_input_fill_events(struct virtqueue *vq, struct virtq_chain *c,
			     struct virtio_input_events *q, struct virtio_input_stats *st)
{
	int used = 0;

	while (q->count) {
		enum vq_pop_result pr = vq_pop(vq, c);

		if (pr == VQ_EMPTY)
			return used;
		if (pr == VQ_BROKEN || put_event(vq->dma, c, &q->ev[q->head]) ||
		    vq_push(vq, c->head, VIRTIO_INPUT_EVENT_SIZE))
			return -1;
		q->head = (q->head + 1) % VIRTIO_INPUT_PENDING;
		q->count--;
		count(&st->events);
		used = 1;
	}
	return used;
}

/*
 * The chain's readable bytes as one event: 1 unless they are not exactly one
 * (0), or lie outside what the device may read (-1).
 */
static int get_event(const struct dma_space *dma, const struct virtq_chain *c,
		     struct virtio_input_event *e)
{
	uint8_t b[VIRTIO_INPUT_EVENT_SIZE];
	uint32_t done = 0;
	unsigned i;

	for (i = 0; i < c->nr_out; i++) {
		if (c->segs[i].len > sizeof(b) - done)
			return 0;
		if (dma_read(dma, c->segs[i].addr, b + done, c->segs[i].len))
			return -1;
		done += c->segs[i].len;
	}
	if (done != sizeof(b))
		return 0;
	e->type = (uint16_t)(b[0] | b[1] << 8);
	e->code = (uint16_t)(b[2] | b[3] << 8);
	e->value = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
		   (uint32_t)b[7] << 24;
	return 1;
}

int virtio_input_take_status(struct virtqueue *vq, struct virtq_chain *c, uint32_t *leds,
			     struct virtio_input_stats *st)
{
	int used = 0;

	for (;;) {
		enum vq_pop_result pr = vq_pop(vq, c);
		struct virtio_input_event e;
		int got;

		if (pr == VQ_EMPTY)
			return used;
		got = pr == VQ_CHAIN ? get_event(vq->dma, c, &e) : -1;
		if (got < 0)
			return -1;
		/* A bad report is the driver's mistake about the keyboard, not the ring's. */
		if (!got || e.type != EV_LED || e.code > LED_SCROLLL || e.value > 1) {
			count(&st->bad_statuses);
		} else {
			*leds = e.value ? *leds | 1u << e.code : *leds & ~(1u << e.code);
			count(&st->statuses);
		}
		if (vq_push(vq, c->head, 0))
			return -1;
		used = 1;
	}
}
