/*
 * virtio-input's two queues (virtio 1.2, 5.8.6), with no transport or thread
 * in them: events wait in a bounded queue until the driver's eventq has
 * buffers (the oldest are dropped, and counted, when it never does), and the
 * statusq's LED reports become the device's LED state.
 */
#ifndef VESSEL_VIRTIO_INPUT_QUEUE_H
#define VESSEL_VIRTIO_INPUT_QUEUE_H

#include "virtio/virtqueue.h"

#include <stdint.h>

#define VIRTIO_INPUT_PENDING	256	/* events held while the driver gives no buffers */
#define VIRTIO_INPUT_EVENT_SIZE	8	/* struct virtio_input_event: le16 type, le16 code, le32 value */

struct virtio_input_event {
	uint16_t type, code;
	uint32_t value;
};

struct virtio_input_stats {
	uint64_t events;	/* delivered to the driver */
	uint64_t dropped;	/* the oldest, pushed out of a full queue */
	uint64_t statuses;	/* statusq reports taken */
	uint64_t bad_statuses;	/* malformed ones, ignored */
	uint64_t unknown_keys;	/* codes the keyboard does not report */
};

struct virtio_input_events {
	struct virtio_input_event ev[VIRTIO_INPUT_PENDING];
	unsigned head, count;
};

/* Queue one event, dropping the oldest when full. */
void virtio_input_queue_event(struct virtio_input_events *q, struct virtio_input_stats *st,
			      uint16_t type, uint16_t code, uint32_t value);
/*
 * Move pending events into the eventq's buffers, one an event. Returns 1 if
 * it used buffers, 0 if not, -1 if the driver broke the ring or gave a buffer
 * too small for an event.
 */
int virtio_input_fill_events(struct virtqueue *vq, struct virtq_chain *c,
			     struct virtio_input_events *q, struct virtio_input_stats *st);
/*
 * Take the statusq's reports: an EV_LED event sets or clears its bit in
 * @leds; anything else that is not an 8-byte event is counted and ignored.
 */
int virtio_input_take_status(struct virtqueue *vq, struct virtq_chain *c, uint32_t *leds,
			     struct virtio_input_stats *st);

#endif
