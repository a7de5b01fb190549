/*
 * libFuzzer target: a virtio-blk request is hostile input. The input gives a
 * chain (segments) and guest memory; the parsed request must stay inside
 * guest RAM and the disk, and is then carried out on a small image.
 */
#include "backend/disk_io.h"
#include "fuzz_common.h"
#include "virtio/blk_req.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM		(64 * 1024)
#define IMG_SECTORS	64
#define SEG_BYTES	9	/* u16 addr, u16 len (scaled), flags byte, ... */

static struct guest_mem gm;
static struct dma_space ds;
static struct virtq_chain chain;
static struct blk_req req;
static struct disk disk;
static struct disk_io io;

static void done(void *opaque, struct disk_request *r, int res)
{
	(void)opaque;
	(void)r;
	(void)res;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = memfd_create("fuzz-disk", 0);

	(void)argc;
	(void)argv;
	fuzz_guest_mem(&gm, MEM);
	if (fd < 0 || ftruncate(fd, IMG_SECTORS * 512))
		abort();
	dma_space_init(&ds, &gm, NULL, 0);
	disk = (struct disk){ .fd = fd, .path = "fuzz", .size = IMG_SECTORS * 512 };
	if (disk_io_init(&io, &disk, 4, false, done, NULL))
		abort();
	return 0;
}

static bool in_ram(const struct iovec *v)
{
	const uint8_t *base = gm.regions[0].hva, *p = v->iov_base;

	return p >= base && v->iov_len <= MEM && p + v->iov_len <= base + MEM;
}

/* Input: a segment count, that many segments, then guest memory from 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blk_limits lim = {
		.capacity = IMG_SECTORS, .readonly = size & 1, .discard = true,
		.write_zeroes = true, .max_discard_sectors = 16, .max_write_zeroes_sectors = 16,
	};
	unsigned i, n;
	uint64_t total = 0;

	if (size < 1)
		return 0;
	n = data[0] % 8;
	data++;
	size--;
	memset(&chain, 0, sizeof(chain));
	for (i = 0; i < n && size >= SEG_BYTES; i++, data += SEG_BYTES, size -= SEG_BYTES) {
		struct virtq_seg *s = &chain.segs[chain.nr];
		uint32_t len;

		memcpy(&len, data + 4, 4);
		s->addr = (uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16 |
			  (uint64_t)data[3] << 24;
		s->len = len;
		s->write = data[8] & 1;
		if (!s->write && chain.nr != chain.nr_out)
			continue;	/* the ring walker never yields this order */
		chain.nr++;
		chain.nr_out += !s->write;
	}
	memset(gm.regions[0].hva, 0, MEM);
	memcpy(gm.regions[0].hva, data, size < MEM ? size : MEM);
	if (blk_req_parse(&req, &chain, &ds, &lim) || req.status != VIRTIO_BLK_S_OK)
		return 0;
	for (i = 0; i < req.io.iovcnt; i++) {
		if (!in_ram(&req.iov[i]))
			abort();
		total += req.iov[i].iov_len;
	}
	if (req.type == VIRTIO_BLK_T_IN || req.type == VIRTIO_BLK_T_OUT) {
		if (total != req.io.len || req.io.len % 512 ||
		    req.io.offset + req.io.len > IMG_SECTORS * 512)
			abort();
		if (req.type == VIRTIO_BLK_T_OUT && lim.readonly)
			abort();
	}
	if (req.type == VIRTIO_BLK_T_DISCARD || req.type == VIRTIO_BLK_T_WRITE_ZEROES) {
		if (lim.readonly || req.io.offset + req.io.len > IMG_SECTORS * 512)
			abort();
	}
	if (req.type != VIRTIO_BLK_T_GET_ID)
		disk_io_submit(&io, &req.io);
	return 0;
}
