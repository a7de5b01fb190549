/* virtio-blk (virtio 1.2, 5.2) over a raw image file, one I/O thread per queue. */
#ifndef VESSEL_VIRTIO_BLK_H
#define VESSEL_VIRTIO_BLK_H

#include "backend/disk.h"
#include "virtio/blk_req.h"
#include "core/device.h"
#include "virtio/virtio_pci.h"

#define VIRTIO_BLK_MAX_QUEUES	8
#define VIRTIO_BLK_CONFIG_SIZE	60
#define VIRTIO_BLK_POLL_US	32	/* QEMU's IOThread default (poll-max-ns) */
#define VIRTIO_BLK_MAX_POLL_US	1000

struct blk_options {
	const char *path;
	bool readonly;
	const char *serial;		/* up to 20 bytes; NULL: none */
	unsigned queues;
	bool sync_io;			/* no io_uring, even where it works */
	bool direct;			/* cache=none: O_DIRECT, past the host page cache */
	unsigned poll_us;		/* the longest a queue's thread polls before sleeping */
	bool lock_later;		/* a migration's destination: virtio_blk_lock at hand-over */
};

struct blk_queue;

/* Counted as requests finish, read racily by the metrics (never torn). */
struct blk_stats {
	uint64_t requests, read_bytes, write_bytes, flushes, errors;
};

struct virtio_blk {
	struct virtio_dev vd;
	struct blk_stats stats;
	struct disk disk;
	struct blk_limits lim;
	char serial[VIRTIO_BLK_ID_BYTES];
	unsigned nr_queues;
	unsigned nr_started;		/* queues whose worker exists: torn down at the end */
	struct blk_queue *queues;
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
};

/* Open the image and build the device; errors name the image. */
int virtio_blk_init(struct virtio_blk *b, const struct blk_options *o,
		    const struct virtio_pci_env *env);
void virtio_blk_destroy(struct virtio_blk *b);
/* The image's lock, let go and taken back around a migration's hand-over. */
int virtio_blk_lock(struct virtio_blk *b);
void virtio_blk_unlock(struct virtio_blk *b);

/*
 * Its registry hooks: the transport's (virtio_device_*; pause finishes the
 * requests in flight), destroy (and free).
 */
extern const struct device_ops virtio_blk_device_ops;

#endif
