/*
 * virtio-blk requests (virtio 1.2, 5.2.6): the header, data and status of a
 * descriptor chain laid out however the driver likes, checked against the
 * disk before any I/O. A guest controls every byte parsed here.
 */
#ifndef VESSEL_VIRTIO_BLK_REQ_H
#define VESSEL_VIRTIO_BLK_REQ_H

#include "backend/disk_io.h"
#include "core/dma.h"
#include "virtio/virtqueue.h"

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_ID_BYTES		20
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1

#define BLK_SECTOR_SHIFT		9
#define BLK_SEG_MAX			254	/* advertised seg_max: a 1 MiB request in one chain */
#define BLK_MAX_IOV			512	/* a segment may split across RAM or IOMMU pages */

struct blk_limits {
	uint64_t capacity;		/* sectors */
	bool readonly;
	bool discard, write_zeroes;	/* features offered */
	uint32_t max_discard_sectors;
	uint32_t max_write_zeroes_sectors;
};

struct blk_req {
	uint32_t type;
	uint8_t status;			/* not OK: answer at once, no I/O */
	uint64_t status_addr;
	uint32_t in_len;		/* bytes the device writes, status included */
	struct disk_request io;
	struct iovec iov[BLK_MAX_IOV];
};

/*
 * Parse chain @c. Returns 0 with @r filled (r->status says whether to do the
 * I/O), or -1 when the chain has no header or no status byte: the driver
 * broke the protocol and the device can not even answer.
 */
int blk_req_parse(struct blk_req *r, const struct virtq_chain *c, const struct dma_space *dma,
		  const struct blk_limits *lim);

#endif
