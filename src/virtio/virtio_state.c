/*
 * A virtio device's registry hooks: pause and resume through the device's
 * own threads, and its record. Restore reads and checks the whole record
 * before it changes anything, then makes the device live again: BARs (and
 * their doorbells) where the guest had them, MSI-X routes programmed anew,
 * the queues' rings at their saved indices, and a kick for each live queue.
 */
#include "virtio/virtio_pci.h"
#include "virtio/virtio_pci_internal.h"
#include "core/log.h"
#include "virtio/worker.h"

#include <string.h>

#define STATUS_BITS	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			 VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
			 VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)

struct queue_saved {
	uint16_t size, msix_vector;
	bool enabled;
	uint64_t desc, driver, device;
	uint16_t last_avail, used_idx, signalled_used;
	bool signalled_valid, notify_off;
};

struct virtio_saved {
	struct pci_saved pci;
	struct msix_saved msix;
	uint64_t guest_features;
	uint32_t device_feature_select, driver_feature_select;
	uint8_t status, config_generation, isr;
	uint16_t config_msix_vector, queue_select;
	struct queue_saved queues[VIRTIO_MAX_QUEUES];
};

void virtio_device_reset(void *dev)
{
	virtio_pci_reset(dev);
}

void virtio_device_pause(void *dev)
{
	struct virtio_dev *vd = dev;

	if (vd->paused)
		return;
	if (vd->ops->pause)
		vd->ops->pause(vd);
	else
		worker_stop(vd->worker);
	vd->paused = true;
}

int virtio_device_resume(void *dev)
{
	struct virtio_dev *vd = dev;

	if (!vd->paused)
		return 0;
	if (vd->ops->resume ? vd->ops->resume(vd) : worker_start(vd->worker))
		return -1;
	vd->paused = false;
	return 0;
}

static void save_queue(struct state_writer *w, const struct virtio_queue_state *qs)
{
	state_put_u16(w, qs->size);
	state_put_u16(w, qs->msix_vector);
	state_put_bool(w, qs->enabled);
	state_put_u64(w, qs->desc);
	state_put_u64(w, qs->driver);
	state_put_u64(w, qs->device);
	state_put_u16(w, qs->vq.last_avail);
	state_put_u16(w, qs->vq.used_idx);
	state_put_u16(w, qs->vq.signalled_used);
	state_put_bool(w, qs->vq.signalled_valid);
	state_put_bool(w, qs->vq.notify_off);
}

int virtio_device_save(void *dev, struct state_writer *w)
{
	struct virtio_dev *vd = dev;
	unsigned q;

	pci_device_save(&vd->pci, w);
	msix_save(&vd->msix, w);
	pthread_mutex_lock(&vd->lock);
	state_put_u16(w, (uint16_t)vd->nr_queues);
	state_put_u64(w, vd->guest_features);
	state_put_u32(w, vd->device_feature_select);
	state_put_u32(w, vd->driver_feature_select);
	state_put_u8(w, vd->status);
	state_put_u8(w, vd->config_generation);
	state_put_u8(w, vd->isr);
	state_put_u16(w, vd->config_msix_vector);
	state_put_u16(w, vd->queue_select);
	for (q = 0; q < vd->nr_queues; q++)
		save_queue(w, &vd->queues[q]);
	pthread_mutex_unlock(&vd->lock);
	if (vd->ops->save)
		vd->ops->save(vd, w);
	return 0;
}

static bool vector_ok(const struct virtio_dev *vd, uint16_t v)
{
	return v == VIRTIO_MSI_NO_VECTOR || v < vd->nr_queues + 1;
}

static bool driver_ok(const struct virtio_saved *s)
{
	return s->status & VIRTIO_STATUS_DRIVER_OK;
}

static bool live(const struct virtio_saved *s, const struct queue_saved *qs)
{
	return driver_ok(s) && !(s->status & VIRTIO_STATUS_NEEDS_RESET) && qs->enabled;
}

static void load_queue(struct state_reader *r, struct queue_saved *qs)
{
	qs->size = state_get_u16(r);
	qs->msix_vector = state_get_u16(r);
	qs->enabled = state_get_bool(r);
	qs->desc = state_get_u64(r);
	qs->driver = state_get_u64(r);
	qs->device = state_get_u64(r);
	qs->last_avail = state_get_u16(r);
	qs->used_idx = state_get_u16(r);
	qs->signalled_used = state_get_u16(r);
	qs->signalled_valid = state_get_bool(r);
	qs->notify_off = state_get_bool(r);
}

/* A queue the driver could have left so; a live one with its rings usable and nothing in flight. */
static int check_queue(const struct virtio_dev *vd, struct state_reader *r,
		       const struct virtio_saved *s, unsigned q)
{
	const struct queue_saved *qs = &s->queues[q];
	struct virtio_queue_state probe = { .size = qs->size, .desc = qs->desc,
					    .driver = qs->driver, .device = qs->device };
	const char *why;

	if (!vector_ok(vd, qs->msix_vector)) {
		state_invalid(r, "queue %u: MSI-X vector %u of %u", q, qs->msix_vector,
			      vd->nr_queues + 1);
		return -1;
	}
	if (!live(s, qs))
		return 0;
	why = virtio_queue_check(vd, &probe);
	if (why) {
		state_invalid(r, "queue %u (size %u): %s", q, qs->size, why);
		return -1;
	}
	/* Pause finishes every request: each chain taken was used. */
	if (qs->last_avail != qs->used_idx) {
		state_invalid(r, "queue %u: %u buffers taken and not used", q,
			      (uint16_t)(qs->last_avail - qs->used_idx));
		return -1;
	}
	return 0;
}

static int check_transport(const struct virtio_dev *vd, struct state_reader *r,
			   const struct virtio_saved *s)
{
	if (s->guest_features & ~vd->host_features) {
		state_invalid(r, "driver features 0x%llx beyond the device's 0x%llx",
			      (unsigned long long)s->guest_features,
			      (unsigned long long)vd->host_features);
		return -1;
	}
	if ((s->status & ~STATUS_BITS) ||
	    ((s->status & VIRTIO_STATUS_FEATURES_OK) &&
	     !(s->guest_features & (1ull << VIRTIO_F_VERSION_1)))) {
		state_invalid(r, "device status 0x%x", s->status);
		return -1;
	}
	if (s->isr & ~(ISR_QUEUE | ISR_CONFIG)) {
		state_invalid(r, "ISR 0x%x", s->isr);
		return -1;
	}
	if (!vector_ok(vd, s->config_msix_vector)) {
		state_invalid(r, "configuration MSI-X vector %u of %u", s->config_msix_vector,
			      vd->nr_queues + 1);
		return -1;
	}
	return 0;
}

static int load_transport(struct virtio_dev *vd, struct state_reader *r, struct virtio_saved *s)
{
	unsigned nr, q;

	nr = state_get_u16(r);
	s->guest_features = state_get_u64(r);
	s->device_feature_select = state_get_u32(r);
	s->driver_feature_select = state_get_u32(r);
	s->status = state_get_u8(r);
	s->config_generation = state_get_u8(r);
	s->isr = state_get_u8(r);
	s->config_msix_vector = state_get_u16(r);
	s->queue_select = state_get_u16(r);
	if (r->failed)
		return -1;
	if (nr != vd->nr_queues) {
		state_invalid(r, "%u queues saved, this device has %u", nr, vd->nr_queues);
		return -1;
	}
	for (q = 0; q < nr; q++)
		load_queue(r, &s->queues[q]);
	if (r->failed || check_transport(vd, r, s))
		return -1;
	for (q = 0; q < nr; q++)
		if (check_queue(vd, r, s, q))
			return -1;
	return 0;
}

/* The transport as saved, its live rings set up again; the device lock held. */
static void apply_transport(struct virtio_dev *vd, const struct virtio_saved *s)
{
	bool event_idx = s->guest_features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	bool indirect = s->guest_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	unsigned q;

	virtio_reset_locked(vd);
	vd->guest_features = s->guest_features;
	vd->device_feature_select = s->device_feature_select;
	vd->driver_feature_select = s->driver_feature_select;
	vd->status = s->status;
	vd->config_generation = s->config_generation;
	vd->isr = s->isr;
	vd->config_msix_vector = s->config_msix_vector;
	vd->queue_select = s->queue_select;
	for (q = 0; q < vd->nr_queues; q++) {
		const struct queue_saved *qs = &s->queues[q];
		struct virtio_queue_state *st = &vd->queues[q];

		st->size = qs->size;
		st->msix_vector = qs->msix_vector;
		st->enabled = qs->enabled;
		st->desc = qs->desc;
		st->driver = qs->driver;
		st->device = qs->device;
		if (driver_ok(s) && qs->enabled && !virtio_queue_check(vd, st))
			vq_init(&st->vq, &vd->dma, qs->size, qs->desc, qs->driver, qs->device,
				event_idx, indirect);
		st->vq.last_avail = qs->last_avail;
		st->vq.used_idx = qs->used_idx;
		st->vq.signalled_used = qs->signalled_used;
		st->vq.signalled_valid = qs->signalled_valid;
		st->vq.notify_off = qs->notify_off;
	}
	/* The device's side of DRIVER_OK (a NIC's offloads): as the driver had it. */
	if (driver_ok(s) && vd->ops->activate && vd->ops->activate(vd) &&
	    !(vd->status & VIRTIO_STATUS_NEEDS_RESET)) {
		pr_err("virtio %u: the restored device cannot start: it needs a reset",
		       vd->device_id);
		vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	}
	if (vd->isr && !msix_enabled(&vd->msix))
		pci_device_set_intx(&vd->pci, true);
}

/* The whole record read and checked; @own: where the device's own part starts. */
static int load(struct virtio_dev *vd, struct state_reader *r, struct virtio_saved *s,
		struct state_reader *own)
{
	if (pci_device_load(&vd->pci, r, &s->pci) || msix_load(&vd->msix, r, &s->msix))
		return -1;
	if (load_transport(vd, r, s)) {
		msix_saved_free(&s->msix);
		return -1;
	}
	*own = *r;
	if ((vd->ops->restore && vd->ops->restore(vd, r, false)) || state_reader_done(r)) {
		msix_saved_free(&s->msix);
		return -1;
	}
	return 0;
}

int virtio_device_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct virtio_dev *vd = dev;
	struct virtio_saved s;
	struct state_reader own;
	bool was_paused = vd->paused;
	unsigned q;

	(void)version;
	if (load(vd, r, &s, &own))
		return -1;
	virtio_device_pause(vd);
	pci_device_apply(&vd->pci, &s.pci);
	msix_apply(&vd->msix, &s.msix);
	pthread_mutex_lock(&vd->lock);
	apply_transport(vd, &s);
	pthread_mutex_unlock(&vd->lock);
	if (vd->ops->restore)
		vd->ops->restore(vd, &own, true);
	/* Buffers the driver made available while the device was saved are looked at now. */
	for (q = 0; q < vd->nr_queues; q++)
		if (virtio_queue_live(vd, q))
			vd->ops->notify(vd, q);
	return was_paused ? 0 : virtio_device_resume(vd);
}
