#include "virtio/virtio_pci.h"
#include "virtio/virtio_pci_internal.h"

#include "core/log.h"

#include <string.h>

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + device type: modern-only ids (4.1.2.1) */
#define VIRTIO_BAR		4

/* The BAR's layout. */
#define COMMON_OFF	0x0000
#define COMMON_LEN	0x0040
#define ISR_OFF		0x1000
#define ISR_LEN		0x0004
#define DEVICE_OFF	0x2000
#define DEVICE_LEN	0x1000
#define NOTIFY_OFF	0x3000
#define NOTIFY_MULT	4
#define MSIX_TABLE_OFF	0x4000
#define MSIX_PBA_OFF	0x5000
#define BAR_SIZE	0x8000

/* Capability types (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5
#define CAP_LEN				16

/* Common configuration structure offsets (4.1.4.3). */
#define CC_DFSELECT	0
#define CC_DF		4
#define CC_GFSELECT	8
#define CC_GF		12
#define CC_MSIX		16
#define CC_NUMQ		18
#define CC_STATUS	20
#define CC_CFGGEN	21
#define CC_Q_SELECT	22
#define CC_Q_SIZE	24
#define CC_Q_MSIX	26
#define CC_Q_ENABLE	28
#define CC_Q_NOFF	30
#define CC_Q_DESC	32
#define CC_Q_AVAIL	40
#define CC_Q_USED	48

static unsigned add_virtio_cap(struct pci_device *d, uint8_t type, uint32_t off, uint32_t len,
			       unsigned extra)
{
	unsigned c = pci_device_add_cap(d, PCI_CAP_ID_VNDR, CAP_LEN + extra);

	if (!c)
		return 0;
	d->cfg[c + 2] = (uint8_t)(CAP_LEN + extra);
	d->cfg[c + 3] = type;
	d->cfg[c + 4] = VIRTIO_BAR;
	memcpy(d->cfg + c + 8, &off, 4);
	memcpy(d->cfg + c + 12, &len, 4);
	return c;
}

bool virtio_queue_live(const struct virtio_dev *vd, unsigned q)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vd->status & VIRTIO_STATUS_NEEDS_RESET) && vd->queues[q].enabled;
}

bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit)
{
	return vd->guest_features & (1ull << bit);
}

void virtio_reset_locked(struct virtio_dev *vd)
{
	unsigned q;

	if (vd->ops->reset)
		vd->ops->reset(vd);
	vd->status = 0;
	vd->guest_features = 0;
	vd->isr = 0;
	vd->queue_select = 0;
	vd->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	for (q = 0; q < vd->nr_queues; q++) {
		struct virtio_queue_state *qs = &vd->queues[q];

		memset(qs, 0, sizeof(*qs));
		qs->size = vd->queue_max;
		qs->msix_vector = VIRTIO_MSI_NO_VECTOR;
	}
	pci_device_set_intx(&vd->pci, false);
}

const char *virtio_queue_check(const struct virtio_dev *vd, const struct virtio_queue_state *qs)
{
	if (!qs->size || (qs->size & (qs->size - 1)) || qs->size > vd->queue_max)
		return "its size is not a power of two up to the device's maximum";
	/* Ring alignments (2.7): descriptors 16 bytes, available 2, used 4. */
	if ((qs->desc & 15) || (qs->driver & 1) || (qs->device & 3))
		return "a ring is misaligned";
	if (qs->desc > UINT64_MAX - 16ull * qs->size ||
	    qs->driver > UINT64_MAX - 6 - 2ull * qs->size ||
	    qs->device > UINT64_MAX - 6 - 8ull * qs->size)
		return "a ring wraps around the address space";
	return NULL;
}

/* DRIVER_OK: every enabled queue must be usable, or the device needs a reset. */
static int activate_locked(struct virtio_dev *vd)
{
	bool event_idx = virtio_has_feature(vd, VIRTIO_RING_F_EVENT_IDX);
	bool indirect = virtio_has_feature(vd, VIRTIO_RING_F_INDIRECT_DESC);
	unsigned q;

	for (q = 0; q < vd->nr_queues; q++) {
		struct virtio_queue_state *qs = &vd->queues[q];

		if (!qs->enabled)
			continue;
		if (virtio_queue_check(vd, qs))
			return -1;
		vq_init(&qs->vq, &vd->dma, qs->size, qs->desc, qs->driver, qs->device,
			event_idx, indirect);
	}
	if (vd->ops->activate && vd->ops->activate(vd))
		return -1;
	/* Buffers made available before DRIVER_OK are served now. */
	for (q = 0; q < vd->nr_queues; q++)
		if (vd->queues[q].enabled)
			vd->ops->notify(vd, q);
	return 0;
}

static void write_status(struct virtio_dev *vd, uint8_t status)
{
	pr_debug("virtio %u: status 0x%x -> 0x%x", vd->device_id, vd->status, status);
	if (status == 0) {
		virtio_reset_locked(vd);
		return;
	}
	/* FEATURES_OK sticks only for a subset of what we offer, with VERSION_1 (3.1.1). */
	if ((status & VIRTIO_STATUS_FEATURES_OK) && !(vd->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vd->guest_features & ~vd->host_features) ||
	     !virtio_has_feature(vd, VIRTIO_F_VERSION_1)))
		status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_DRIVER_OK) &&
	    activate_locked(vd))
		status |= VIRTIO_STATUS_NEEDS_RESET;
	vd->status = status | (vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

static uint64_t common_read(struct virtio_dev *vd, uint64_t off)
{
	struct virtio_queue_state *qs =
		vd->queue_select < vd->nr_queues ? &vd->queues[vd->queue_select] : NULL;

	switch (off) {
	case CC_DFSELECT: return vd->device_feature_select;
	case CC_DF:
		return vd->device_feature_select < 2 ?
			(uint32_t)(vd->host_features >> (32 * vd->device_feature_select)) : 0;
	case CC_GFSELECT: return vd->driver_feature_select;
	case CC_GF:
		return vd->driver_feature_select < 2 ?
			(uint32_t)(vd->guest_features >> (32 * vd->driver_feature_select)) : 0;
	case CC_MSIX: return vd->config_msix_vector;
	case CC_NUMQ: return vd->nr_queues;
	case CC_STATUS: return vd->status;
	case CC_CFGGEN: return vd->config_generation;
	case CC_Q_SELECT: return vd->queue_select;
	case CC_Q_SIZE: return qs ? qs->size : 0;
	case CC_Q_MSIX: return qs ? qs->msix_vector : VIRTIO_MSI_NO_VECTOR;
	case CC_Q_ENABLE: return qs ? qs->enabled : 0;
	case CC_Q_NOFF: return vd->queue_select;
	case CC_Q_DESC: return qs ? qs->desc : 0;
	case CC_Q_DESC + 4: return qs ? qs->desc >> 32 : 0;
	case CC_Q_AVAIL: return qs ? qs->driver : 0;
	case CC_Q_AVAIL + 4: return qs ? qs->driver >> 32 : 0;
	case CC_Q_USED: return qs ? qs->device : 0;
	case CC_Q_USED + 4: return qs ? qs->device >> 32 : 0;
	default: return 0;
	}
}

static void set_half(uint64_t *field, uint64_t off, uint64_t base, uint64_t v, unsigned len)
{
	if (len == 8 && off == base)
		*field = v;
	else if (off == base)
		*field = (*field & ~0xffffffffull) | (uint32_t)v;
	else
		*field = (*field & 0xffffffffull) | (v << 32);
}

static void common_write(struct virtio_dev *vd, uint64_t off, uint64_t v, unsigned len)
{
	struct virtio_queue_state *qs =
		vd->queue_select < vd->nr_queues ? &vd->queues[vd->queue_select] : NULL;
	/* Queue fields change only before the driver enables the queue (4.1.4.3.2). */
	bool q_writable = qs && !qs->enabled && !(vd->status & VIRTIO_STATUS_DRIVER_OK);
	unsigned shift;

	switch (off) {
	case CC_DFSELECT: vd->device_feature_select = (uint32_t)v; break;
	case CC_GFSELECT: vd->driver_feature_select = (uint32_t)v; break;
	case CC_GF:
		if (vd->driver_feature_select >= 2 || (vd->status & VIRTIO_STATUS_FEATURES_OK))
			break;
		shift = 32 * vd->driver_feature_select;
		vd->guest_features = (vd->guest_features & ~(0xffffffffull << shift)) |
				     ((v & 0xffffffffull) << shift);
		break;
	case CC_MSIX:
		vd->config_msix_vector = (uint16_t)v < vd->nr_queues + 1 ? (uint16_t)v :
									  VIRTIO_MSI_NO_VECTOR;
		break;
	case CC_STATUS: write_status(vd, (uint8_t)v); break;
	case CC_Q_SELECT: vd->queue_select = (uint16_t)v; break;
	case CC_Q_SIZE: if (q_writable) qs->size = (uint16_t)v; break;
	case CC_Q_MSIX:
		if (qs)
			qs->msix_vector = (uint16_t)v < vd->nr_queues + 1 ? (uint16_t)v :
									    VIRTIO_MSI_NO_VECTOR;
		break;
	case CC_Q_ENABLE: if (q_writable && v == 1) qs->enabled = true; break;
	case CC_Q_DESC: case CC_Q_DESC + 4:
		if (q_writable) set_half(&qs->desc, off, CC_Q_DESC, v, len);
		break;
	case CC_Q_AVAIL: case CC_Q_AVAIL + 4:
		if (q_writable) set_half(&qs->driver, off, CC_Q_AVAIL, v, len);
		break;
	case CC_Q_USED: case CC_Q_USED + 4:
		if (q_writable) set_half(&qs->device, off, CC_Q_USED, v, len);
		break;
	default: break;
	}
}

static void bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct virtio_dev *vd = opaque;
	uint64_t v;

	if (off >= MSIX_TABLE_OFF && off < MSIX_PBA_OFF) {
		msix_table_read(&vd->msix, off - MSIX_TABLE_OFF, data, len);
		return;
	}
	if (off >= MSIX_PBA_OFF) {
		msix_pba_read(&vd->msix, off - MSIX_PBA_OFF, data, len);
		return;
	}
	memset(data, 0, len);
	pthread_mutex_lock(&vd->lock);
	if (off < COMMON_OFF + COMMON_LEN) {
		v = common_read(vd, off);
		memcpy(data, &v, len);
	} else if (off == ISR_OFF) {
		/* Reading ISR acknowledges it and lowers INTx (4.1.4.5). */
		*(uint8_t *)data = vd->isr;
		vd->isr = 0;
		pci_device_set_intx(&vd->pci, false);
	} else if (off >= DEVICE_OFF && off + len <= DEVICE_OFF + vd->config_size &&
		   vd->ops->config_read) {
		vd->ops->config_read(vd, off - DEVICE_OFF, data, len);
	}
	pthread_mutex_unlock(&vd->lock);
}

static void bar_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct virtio_dev *vd = opaque;
	uint64_t v = 0;
	unsigned q;

	if (off >= MSIX_TABLE_OFF && off < MSIX_PBA_OFF) {
		msix_table_write(&vd->msix, off - MSIX_TABLE_OFF, data, len);
		return;
	}
	memcpy(&v, data, len > 8 ? 8 : len);
	if (off >= NOTIFY_OFF && off < NOTIFY_OFF + NOTIFY_MULT * vd->nr_queues) {
		q = (unsigned)(off - NOTIFY_OFF) / NOTIFY_MULT;
		pr_debug("virtio %u: queue %u kicked through a VM exit", vd->device_id, q);
		if (virtio_queue_live(vd, q))
			vd->ops->notify(vd, q);
		return;
	}
	pthread_mutex_lock(&vd->lock);
	if (off < COMMON_OFF + COMMON_LEN)
		common_write(vd, off, v, len);
	else if (off >= DEVICE_OFF && off + len <= DEVICE_OFF + vd->config_size &&
		 vd->ops->config_write)
		vd->ops->config_write(vd, off - DEVICE_OFF, data, len);
	pthread_mutex_unlock(&vd->lock);
}

static const struct io_dev_ops virtio_bar_ops = { bar_read, bar_write };

/* The VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.9): BAR access through config space. */
static bool window_hit(struct virtio_dev *vd, unsigned off, unsigned len, uint32_t *bar_off,
		       uint32_t *win_len)
{
	const uint8_t *cap = vd->pci.cfg + vd->pci_cfg_cap;
	unsigned data = vd->pci_cfg_cap + CAP_LEN;

	if (!vd->pci_cfg_cap || off + len <= data || off >= data + 4)
		return false;
	memcpy(bar_off, cap + 8, 4);
	memcpy(win_len, cap + 12, 4);
	return cap[4] == VIRTIO_BAR && (*win_len == 1 || *win_len == 2 || *win_len == 4) &&
	       *bar_off % *win_len == 0 && *bar_off < BAR_SIZE;
}

static void window_config_read(struct pci_device *d, unsigned off, unsigned len)
{
	struct virtio_dev *vd = d->opaque;
	uint32_t bar_off, win_len;

	if (window_hit(vd, off, len, &bar_off, &win_len))
		bar_read(vd, bar_off, d->cfg + vd->pci_cfg_cap + CAP_LEN, win_len);
}

static void pci_config_written(struct pci_device *d, unsigned off, unsigned len)
{
	struct virtio_dev *vd = d->opaque;
	unsigned cap = vd->msix.cap;
	uint32_t bar_off, win_len;

	if (off < cap + 4 && off + len > cap + 2)
		msix_config_written(&vd->msix);
	if (window_hit(vd, off, len, &bar_off, &win_len))
		bar_write(vd, bar_off, d->cfg + vd->pci_cfg_cap + CAP_LEN, win_len);
}

static void set_doorbells(struct virtio_dev *vd, uint64_t base, bool assign)
{
	unsigned q;

	for (q = 0; q < vd->nr_queues; q++) {
		int efd = vd->ops->queue_fd(vd, q);

		if (efd >= 0 && vd->doorbell.bind(vd->doorbell.opaque,
						  base + NOTIFY_OFF + (uint64_t)q * NOTIFY_MULT,
						  efd, assign))
			pr_debug("virtio %u: queue %u doorbell %s failed: kicks exit to the VMM",
				 vd->device_id, q, assign ? "bind" : "unbind");
	}
}

/* Doorbells follow the BAR wherever the guest places it. */
static void pci_bar_moved(struct pci_device *d, unsigned n)
{
	struct virtio_dev *vd = d->opaque;
	const struct pci_bar *b = &d->bars[n];

	if (n != VIRTIO_BAR || !vd->doorbell.bind || !vd->ops->queue_fd)
		return;
	if (vd->doorbell_base)
		set_doorbells(vd, vd->doorbell_base, false);
	vd->doorbell_base = b->mapped ? b->addr : 0;
	if (vd->doorbell_base)
		set_doorbells(vd, vd->doorbell_base, true);
}

static const struct pci_device_ops virtio_pci_dev_ops = {
	.config_written = pci_config_written,
	.config_read = window_config_read,
	.bar_moved = pci_bar_moved,
};

static int add_pci_cfg_window(struct virtio_dev *vd)
{
	struct pci_device *d = &vd->pci;
	unsigned c = add_virtio_cap(d, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 4);

	if (!c)
		return -1;
	d->cfg[c + 4] = 0;
	memset(d->wmask + c + 4, 0xff, 1);	/* bar */
	memset(d->wmask + c + 8, 0xff, 8);	/* offset, length */
	memset(d->wmask + c + CAP_LEN, 0xff, 4);	/* pci_cfg_data */
	vd->pci_cfg_cap = c;
	return 0;
}

int virtio_pci_init(struct virtio_dev *vd, uint16_t device_id, uint16_t class_code_hi,
		    unsigned nr_queues, uint16_t queue_max, uint64_t features,
		    size_t config_size, const struct virtio_dev_ops *ops, void *opaque,
		    const struct virtio_pci_env *env)
{
	struct pci_device *d = &vd->pci;
	unsigned c;
	uint32_t mult = NOTIFY_MULT;

	memset(vd, 0, sizeof(*vd));
	if (nr_queues == 0 || nr_queues > VIRTIO_MAX_QUEUES || config_size > DEVICE_LEN)
		return -1;
	pthread_mutex_init(&vd->lock, NULL);
	vd->device_id = device_id;
	vd->ops = ops;
	vd->opaque = opaque;
	vd->nr_queues = nr_queues;
	vd->queue_max = queue_max;
	vd->config_size = config_size;
	vd->doorbell = env->doorbell;
	vd->host_features = features | (1ull << VIRTIO_F_VERSION_1) |
			    (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
			    (env->iommu ? 1ull << VIRTIO_F_ACCESS_PLATFORM : 0);
	pci_device_init(d, VIRTIO_PCI_VENDOR, (uint16_t)(VIRTIO_PCI_DEVICE_BASE + device_id),
			(uint32_t)class_code_hi << 8, VIRTIO_PCI_VENDOR, device_id);
	d->cfg[PCI_REVISION_ID] = 1;	/* modern device (4.1.2.1) */
	d->ops = &virtio_pci_dev_ops;
	d->opaque = vd;
	pci_device_set_bar(d, VIRTIO_BAR, PCI_BAR_MEM64, BAR_SIZE, &virtio_bar_ops, vd);
	if (!add_virtio_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, COMMON_LEN, 0) ||
	    !add_virtio_cap(d, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, ISR_LEN, 0) ||
	    (config_size &&
	     !add_virtio_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFF, (uint32_t)config_size, 0)))
		return -1;
	c = add_virtio_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF, NOTIFY_MULT * nr_queues, 4);
	if (!c)
		return -1;
	memcpy(d->cfg + c + CAP_LEN, &mult, 4);
	if (add_pci_cfg_window(vd) ||
	    msix_init(&vd->msix, d, nr_queues + 1, VIRTIO_BAR, MSIX_TABLE_OFF, MSIX_PBA_OFF,
		      &env->msix))
		return -1;
	virtio_reset_locked(vd);
	return 0;
}

bool virtio_notify_queue(struct virtio_dev *vd, unsigned q)
{
	uint16_t vector;

	pthread_mutex_lock(&vd->lock);
	if (q >= vd->nr_queues || !vq_should_notify(&vd->queues[q].vq)) {
		pthread_mutex_unlock(&vd->lock);
		return false;
	}
	vector = vd->queues[q].msix_vector;
	pr_debug("virtio %u: interrupt for queue %u, vector %u, MSI-X %s", vd->device_id, q,
		 vector, msix_enabled(&vd->msix) ? "on" : "off");
	if (!msix_enabled(&vd->msix)) {
		vd->isr |= ISR_QUEUE;
		pci_device_set_intx(&vd->pci, true);
	}
	pthread_mutex_unlock(&vd->lock);
	if (vector != VIRTIO_MSI_NO_VECTOR)
		msix_notify(&vd->msix, vector);
	return true;
}

void virtio_notify_config(struct virtio_dev *vd)
{
	uint16_t vector;

	pthread_mutex_lock(&vd->lock);
	vd->config_generation++;
	vd->isr |= ISR_CONFIG;
	vector = vd->config_msix_vector;
	if (!msix_enabled(&vd->msix))
		pci_device_set_intx(&vd->pci, true);
	pthread_mutex_unlock(&vd->lock);
	if (vector != VIRTIO_MSI_NO_VECTOR)
		msix_notify(&vd->msix, vector);
}

void virtio_pci_destroy(struct virtio_dev *vd)
{
	msix_destroy(&vd->msix);
	pthread_mutex_destroy(&vd->lock);
}

void virtio_pci_reset(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	virtio_reset_locked(vd);
	pthread_mutex_unlock(&vd->lock);
}

void virtio_queue_serve(struct virtio_dev *vd, unsigned q,
			int (*serve)(void *arg, struct virtqueue *vq), void *arg)
{
	int r = 0;

	pthread_mutex_lock(&vd->lock);
	if (virtio_queue_live(vd, q))
		r = serve(arg, &vd->queues[q].vq);
	pthread_mutex_unlock(&vd->lock);
	if (r < 0)
		virtio_needs_reset(vd);
	else if (r > 0)
		virtio_notify_queue(vd, q);
}

int virtio_serve_chains(struct virtqueue *vq, struct virtq_chain *c,
			long (*fill)(void *arg, struct virtq_chain *c), void *arg)
{
	int used = 0;

	for (;;) {
		enum vq_pop_result pr = vq_pop(vq, c);
		long n;

		if (pr == VQ_EMPTY)
			return used;
		n = pr == VQ_CHAIN ? fill(arg, c) : -1;
		if (n < 0 || n > UINT32_MAX || vq_push(vq, c->head, (uint32_t)n))
			return -1;
		used = 1;
	}
}

void virtio_needs_reset(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	pthread_mutex_unlock(&vd->lock);
	virtio_notify_config(vd);
}
