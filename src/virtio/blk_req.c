#include "virtio/blk_req.h"

#include <string.h>

#define BLK_HDR_SIZE	16
#define BLK_MAX_XFER	(1u << 30)	/* keeps byte counts within an int */

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_range {		/* struct virtio_blk_discard_write_zeroes */
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* A byte range of a chain: segments [first, first + nr) from byte @skip on. */
struct chain_part {
	const struct virtq_seg *segs;
	unsigned nr;
	uint64_t skip;
	uint64_t len;
};

static int part_map(const struct chain_part *p, const struct dma_space *dma, bool write,
		    struct iovec *iov, unsigned max)
{
	uint64_t skip = p->skip, left = p->len;
	unsigned i, n = 0;

	for (i = 0; i < p->nr && left; i++) {
		uint64_t len = p->segs[i].len, take;
		int got;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		take = len - skip < left ? len - skip : left;
		got = dma_map_iov(dma, p->segs[i].addr + skip, take, write, iov + n, max - n);
		if (got < 0)
			return -1;
		n += (unsigned)got;
		left -= take;
		skip = 0;
	}
	return left ? -1 : (int)n;
}

static int part_read(const struct chain_part *p, const struct dma_space *dma, void *buf)
{
	struct iovec iov[BLK_HDR_SIZE];
	uint8_t *out = buf;
	int n = part_map(p, dma, false, iov, BLK_HDR_SIZE), i;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(out, iov[i].iov_base, iov[i].iov_len);
		out += iov[i].iov_len;
	}
	return 0;
}

static uint64_t total_len(const struct virtq_seg *segs, unsigned nr)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < nr; i++)
		sum += segs[i].len;
	return sum;
}

/* Find the byte the status goes to: the last device-writable one. */
static int find_status(const struct virtq_chain *c, uint64_t *addr)
{
	unsigned i;

	for (i = c->nr; i > c->nr_out; i--) {
		const struct virtq_seg *s = &c->segs[i - 1];

		if (s->len) {
			*addr = s->addr + s->len - 1;
			return 0;
		}
	}
	return -1;
}

static bool in_range(const struct blk_limits *lim, uint64_t sector, uint64_t sectors)
{
	return sector <= lim->capacity && sectors <= lim->capacity - sector;
}

static uint8_t parse_rw(struct blk_req *r, const struct chain_part *data,
			const struct dma_space *dma, const struct blk_limits *lim,
			uint64_t sector, bool write)
{
	int n;

	if (write && lim->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (data->len % (1u << BLK_SECTOR_SHIFT) || data->len > BLK_MAX_XFER ||
	    !in_range(lim, sector, data->len >> BLK_SECTOR_SHIFT) ||
	    sector > UINT64_MAX >> BLK_SECTOR_SHIFT)
		return VIRTIO_BLK_S_IOERR;
	/* The device writes guest memory on a read request, and reads it on a write. */
	n = part_map(data, dma, !write, r->iov, BLK_MAX_IOV);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	r->io.op = write ? DISK_WRITE : DISK_READ;
	r->io.offset = sector << BLK_SECTOR_SHIFT;
	r->io.len = data->len;
	r->io.iovcnt = (unsigned)n;
	return VIRTIO_BLK_S_OK;
}

/* One range per request: max_discard_seg and max_write_zeroes_seg are 1. */
static uint8_t parse_range(struct blk_req *r, const struct chain_part *data,
			   const struct dma_space *dma, const struct blk_limits *lim)
{
	bool zeroes = r->type == VIRTIO_BLK_T_WRITE_ZEROES;
	struct chain_part one = *data;
	struct blk_range range;

	if ((zeroes && !lim->write_zeroes) || (!zeroes && !lim->discard))
		return VIRTIO_BLK_S_UNSUPP;
	if (lim->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (data->len != sizeof(range))
		return data->len % sizeof(range) || !data->len ? VIRTIO_BLK_S_IOERR :
								 VIRTIO_BLK_S_UNSUPP;
	one.len = sizeof(range);
	if (part_read(&one, dma, &range))
		return VIRTIO_BLK_S_IOERR;
	/* Unknown flags, or unmap on a discard, are unsupported (5.2.6.2). */
	if (range.flags & ~(uint32_t)(zeroes ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))
		return VIRTIO_BLK_S_UNSUPP;
	if (range.num_sectors > (zeroes ? lim->max_write_zeroes_sectors : lim->max_discard_sectors) ||
	    !in_range(lim, range.sector, range.num_sectors))
		return VIRTIO_BLK_S_IOERR;
	r->io.op = zeroes ? DISK_WRITE_ZEROES : DISK_DISCARD;
	r->io.offset = range.sector << BLK_SECTOR_SHIFT;
	r->io.len = (uint64_t)range.num_sectors << BLK_SECTOR_SHIFT;
	return VIRTIO_BLK_S_OK;
}

static uint8_t parse_get_id(struct blk_req *r, const struct chain_part *in,
			    const struct dma_space *dma)
{
	struct chain_part id = *in;
	int n;

	if (id.len > VIRTIO_BLK_ID_BYTES)
		id.len = VIRTIO_BLK_ID_BYTES;
	n = part_map(&id, dma, true, r->iov, BLK_MAX_IOV);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	r->io.iovcnt = (unsigned)n;
	r->io.len = id.len;
	return VIRTIO_BLK_S_OK;
}

int blk_req_parse(struct blk_req *r, const struct virtq_chain *c, const struct dma_space *dma,
		  const struct blk_limits *lim)
{
	const struct virtq_seg *in_segs = c->segs + c->nr_out;
	unsigned nr_in = c->nr - c->nr_out;
	uint64_t out_len = total_len(c->segs, c->nr_out), in_len = total_len(in_segs, nr_in);
	struct chain_part hdr_part = { c->segs, c->nr_out, 0, BLK_HDR_SIZE };
	struct chain_part out = { c->segs, c->nr_out, BLK_HDR_SIZE, 0 };
	struct chain_part in = { in_segs, nr_in, 0, 0 };
	struct blk_hdr hdr;

	memset(&r->io, 0, sizeof(r->io));
	r->io.iov = r->iov;
	r->in_len = 1;
	if (out_len < BLK_HDR_SIZE || find_status(c, &r->status_addr) ||
	    part_read(&hdr_part, dma, &hdr))
		return -1;
	r->type = hdr.type;
	out.len = out_len - BLK_HDR_SIZE;
	in.len = in_len - 1;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		r->status = parse_rw(r, &in, dma, lim, hdr.sector, false);
		if (r->status == VIRTIO_BLK_S_OK)
			r->in_len = (uint32_t)(in.len + 1);
		break;
	case VIRTIO_BLK_T_OUT:
		r->status = parse_rw(r, &out, dma, lim, hdr.sector, true);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->io.op = DISK_FLUSH;
		r->status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		r->status = parse_get_id(r, &in, dma);
		if (r->status == VIRTIO_BLK_S_OK)
			r->in_len = (uint32_t)(r->io.len + 1);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		r->status = parse_range(r, &out, dma, lim);
		break;
	default:
		r->status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	return 0;
}
