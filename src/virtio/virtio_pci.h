/*
 * The virtio 1.x PCI transport (virtio 1.2, 4.1): common, notify, ISR and
 * device configuration structures in one 64-bit memory BAR, MSI-X vectors
 * for queues and configuration changes, INTx as the fallback.
 */
#ifndef VESSEL_VIRTIO_VIRTIO_PCI_H
#define VESSEL_VIRTIO_VIRTIO_PCI_H

#include "core/state.h"
#include "hw/msix.h"
#include "hw/pci.h"
#include "virtio/virtqueue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MAX_QUEUES		16
#define VIRTIO_MSI_NO_VECTOR		0xffff

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* Feature bits (6). */
#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_RING_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33

struct virtio_dev;
struct virtio_worker;

/*
 * Notify registers wired straight to a queue's eventfd, so a guest's kick
 * wakes the device's thread without a trip through the VMM (KVM ioeventfd).
 */
struct virtio_doorbell {
	int (*bind)(void *opaque, uint64_t addr, int efd, bool assign);
	void *opaque;
};

/* What the machine gives every virtio device: interrupts and doorbells. */
struct virtio_pci_env {
	struct msix_sink msix;
	struct virtio_doorbell doorbell;	/* bind NULL: every kick exits to the VMM */
	bool iommu;	/* DMA goes through an IOMMU: offer VIRTIO_F_ACCESS_PLATFORM */
};

struct virtio_dev_ops {
	/* The queues' rings are set and the driver is ready: start serving. */
	int (*activate)(struct virtio_dev *vd);
	/* The driver reset the device: stop and forget every request. */
	void (*reset)(struct virtio_dev *vd);
	/* The driver made buffers available on queue @q. */
	void (*notify)(struct virtio_dev *vd, unsigned q);
	/* The eventfd that wakes queue @q's handler, for a doorbell; optional. */
	int (*queue_fd)(struct virtio_dev *vd, unsigned q);
	void (*config_read)(struct virtio_dev *vd, uint64_t off, void *data, unsigned len);
	void (*config_write)(struct virtio_dev *vd, uint64_t off, const void *data, unsigned len);
	/*
	 * Stop the device's threads, its in-flight requests finished; start them
	 * again. Without them: the one worker in virtio_dev.worker.
	 */
	void (*pause)(struct virtio_dev *vd);
	int (*resume)(struct virtio_dev *vd);
	/* The device's own part of its record, after the transport's; optional. */
	void (*save)(struct virtio_dev *vd, struct state_writer *w);
	/*
	 * Read and check that part; with @apply (a second pass over the same
	 * bytes, once the whole record was found valid) also install it.
	 */
	int (*restore)(struct virtio_dev *vd, struct state_reader *r, bool apply);
};

struct virtio_queue_state {
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, driver, device;
	struct virtqueue vq;
};

struct virtio_dev {
	pthread_mutex_t lock;
	struct pci_device pci;
	struct msix msix;
	struct dma_space dma;
	const struct virtio_dev_ops *ops;
	void *opaque;
	uint16_t device_id;		/* virtio device type (5) */
	uint64_t host_features;
	uint64_t guest_features;
	uint32_t device_feature_select, driver_feature_select;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	uint16_t config_msix_vector;
	uint16_t queue_select;
	unsigned nr_queues;
	uint16_t queue_max;
	struct virtio_queue_state queues[VIRTIO_MAX_QUEUES];
	size_t config_size;
	struct virtio_doorbell doorbell;
	uint64_t doorbell_base;		/* notify area the doorbells are bound at, or 0 */
	unsigned pci_cfg_cap;		/* offset of the VIRTIO_PCI_CAP_PCI_CFG window */
	bool paused;			/* by the registry: its threads are stopped */
	struct virtio_worker *worker;	/* a device's only thread, or NULL: ops->pause */
};

/* Fill the PCI identity, capabilities, BAR and MSI-X of a virtio device. */
int virtio_pci_init(struct virtio_dev *vd, uint16_t device_id, uint16_t class_code_hi,
		    unsigned nr_queues, uint16_t queue_max, uint64_t features,
		    size_t config_size, const struct virtio_dev_ops *ops, void *opaque,
		    const struct virtio_pci_env *env);

/* Undo virtio_pci_init (the device's own threads must be stopped first). */
void virtio_pci_destroy(struct virtio_dev *vd);

/* The device as at power-on: what a driver's reset does, and a machine reset. */
void virtio_pci_reset(struct virtio_dev *vd);

/*
 * A queue handler's frame: under the device lock, while queue @q is live,
 * @serve works the ring and returns 1 if it used buffers, 0 if not, -1 if
 * the driver broke the ring's rules. Then the driver is interrupted, or the
 * device marked NEEDS_RESET.
 */
void virtio_queue_serve(struct virtio_dev *vd, unsigned q,
			int (*serve)(void *arg, struct virtqueue *vq), void *arg);
/*
 * Inside a frame: each available chain in turn into @c, handed to @fill,
 * which returns the bytes it wrote into the chain's buffers or -1; each is
 * then used. Returns as @serve does.
 */
int virtio_serve_chains(struct virtqueue *vq, struct virtq_chain *c,
			long (*fill)(void *arg, struct virtq_chain *c), void *arg);

/*
 * Interrupt the driver for queue @q (respecting EVENT_IDX): true if it was
 * interrupted. Or for a config change.
 */
bool virtio_notify_queue(struct virtio_dev *vd, unsigned q);
void virtio_notify_config(struct virtio_dev *vd);

/* Give up on the device after a driver error: NEEDS_RESET and a config interrupt. */
void virtio_needs_reset(struct virtio_dev *vd);

bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit);

/* Whether queue @q may be served: driver ready, queue enabled, no reset pending. */
bool virtio_queue_live(const struct virtio_dev *vd, unsigned q);

/*
 * The registry hooks every virtio device shares (virtio_state.c): the
 * device registered is the one that embeds its struct virtio_dev first.
 * Its record (version 1): the PCI function's config space, its MSI-X table
 * and PBA, the transport and every queue, then the device's own part.
 */
#define VIRTIO_STATE_VERSION 1

void virtio_device_reset(void *dev);
void virtio_device_pause(void *dev);
int virtio_device_resume(void *dev);
int virtio_device_save(void *dev, struct state_writer *w);
int virtio_device_restore(void *dev, struct state_reader *r, uint32_t version);


#endif
