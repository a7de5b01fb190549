/*
 * virtio-input (virtio 1.2, 5.8): a keyboard or a tablet (an absolute
 * pointer). Each is an input sink (core/input.h): viewer input becomes evdev
 * events on the eventq; the statusq's LED reports are kept.
 */
#ifndef VESSEL_VIRTIO_INPUT_H
#define VESSEL_VIRTIO_INPUT_H

#include "core/device.h"
#include "core/input.h"
#include "virtio/input_config.h"
#include "virtio/input_queue.h"
#include "virtio/virtio_pci.h"
#include "virtio/worker.h"

#define VIRTIO_INPUT_PRIORITY	10	/* over the i8042's */

struct virtio_input {
	struct virtio_dev vd;
	struct virtio_worker worker;
	struct virtq_chain chain;
	struct virtio_input_config cfg;		/* under vd.lock */
	uint32_t leds;				/* LED_* bits the driver reported; vd.lock */
	pthread_mutex_t ev_lock;		/* after vd.lock when both are held */
	struct virtio_input_events pending;	/* ev_lock */
	unsigned buttons;			/* INPUT_BTN_* last reported; ev_lock */
	struct virtio_input_stats stats;
};

int virtio_input_init(struct virtio_input *in, enum virtio_input_kind kind, unsigned index,
		      const struct virtio_pci_env *env);
void virtio_input_destroy(struct virtio_input *in);

/* The sink ops the machine registers it with: a keyboard's or a tablet's. */
const struct input_sink_ops *virtio_input_sink_ops(const struct virtio_input *in);

/*
 * The device's own part of its saved state (version 1: the configuration
 * selector, the LEDs, the buttons last reported, the waiting events), for the
 * transport's record to carry after its own; restore reads and checks it, and
 * with @apply installs it. Until the virtio transport saves its state the
 * registry has no save hook for virtio devices (docs/desktop-input.md).
 */
void virtio_input_save(struct virtio_dev *vd, struct state_writer *w);
int virtio_input_restore(struct virtio_dev *vd, struct state_reader *r, bool apply);

/* Its registry hooks: reset, pause/resume, save/restore of its own state, metrics, destroy. */
extern const struct device_ops virtio_input_device_ops;

#endif
