/*
 * libFuzzer target: virtio-net's queue work with hostile rings. The first byte
 * picks the path and the negotiated features: transmit (guest chains and
 * headers become frames for a backend) or receive (a backend's frames into
 * the guest's buffers, with or without MRG_RXBUF), or a control command. What a frame that is not
 * delivered may never do, while the ring holds, is touch guest memory outside
 * the used ring (a broken ring gets the device reset, and a buffer it already
 * wrote was the device's anyway); and every page the device writes is in the
 * dirty log.
 */
#include "fuzz_common.h"
#include "virtio/net_ctrl.h"
#include "virtio/net_hdr.h"
#include "virtio/net_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MEM (16 * 1024)
#define QSZ 16
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000
#define USED_END (USED + 4 + 8 * QSZ + 2)

#define F_RX		0x01
#define F_EVENT_IDX	0x02
#define F_VNET_HDR	0x04
#define F_MRG		0x08
#define F_CSUM		0x10
#define F_TSO		0x20
#define F_CTRL		0x40	/* the rest is a control command instead */

struct fuzz_backend {
	struct net_backend be;
	const uint8_t *frame;
	size_t len;
	unsigned frames;	/* left to receive */
};

static struct guest_mem gm;
static struct dma_space ds;
static uint8_t before[MEM];
static unsigned long dirty[1];	/* the VMM's dirty bits: a page each */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_mem(&gm, MEM);
	/* A dirty log's user, as far as the VMM's own writes go. */
	gm.regions[0].vmm_dirty = dirty;
	gm.regions[0].logging = true;
	dma_space_init(&ds, &gm, NULL, 0);
	return 0;
}

/* Every iovec a backend is handed lies inside guest memory. */
static void check_iov(const struct iovec *iov, unsigned n)
{
	const uint8_t *lo = gm.regions[0].hva, *hi = lo + MEM;
	unsigned i;

	for (i = 0; i < n; i++)
		if ((const uint8_t *)iov[i].iov_base < lo ||
		    (const uint8_t *)iov[i].iov_base + iov[i].iov_len > hi)
			abort();
}

static ssize_t fuzz_tx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	size_t total = 0;
	unsigned i;

	(void)be;
	(void)q;
	check_iov(iov, n);
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total > VIRTIO_NET_HDR_LEN + NET_MAX_FRAME)
		abort();
	return (ssize_t)total;
}

/* One frame into @iov, truncated as a tap does. */
static ssize_t fuzz_rx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	struct fuzz_backend *f = (struct fuzz_backend *)be;
	size_t done = 0;
	unsigned i;

	(void)q;
	if (!f->frames)
		return -EAGAIN;
	f->frames--;
	for (i = 0; i < n && done < f->len; i++) {
		size_t k = iov[i].iov_len < f->len - done ? iov[i].iov_len : f->len - done;

		memcpy(iov[i].iov_base, f->frame + done, k);
		done += k;
	}
	return (ssize_t)done;
}

static int fuzz_set_offload(struct net_backend *be, unsigned offloads)
{
	(void)be;
	(void)offloads;
	return 0;
}

static void fuzz_close(struct net_backend *be)
{
	(void)be;
}

static const struct net_backend_ops fuzz_ops = {
	.tx = fuzz_tx,
	.rx = fuzz_rx,
	.set_offload = fuzz_set_offload,
	.close = fuzz_close,
};

static uint64_t features(uint8_t flags)
{
	uint64_t f = 0;

	if (flags & F_MRG)
		f |= 1ull << VIRTIO_NET_F_MRG_RXBUF;
	if (flags & F_CSUM)
		f |= (1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_GUEST_CSUM);
	if (flags & F_TSO)
		f |= (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO4) |
		     (1ull << VIRTIO_NET_F_HOST_TSO6) | (1ull << VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

/* Each page the device changed is marked dirty (dma_write, dma_mark_written). */
static void check_dirty(const uint8_t *mem)
{
	unsigned page;

	for (page = 0; page < MEM / 4096; page++)
		if (memcmp(mem + page * 4096, before + page * 4096, 4096) &&
		    !(dirty[0] >> page & 1))
			abort();
}

/* Whatever a command says, the state stays one the device can have. */
static void fuzz_ctrl(const uint8_t *data, size_t size)
{
	struct net_ctrl_state s = { .max_pairs = NET_MAX_QUEUES, .pairs = 1, .mac = { 2 } };
	uint8_t ack = net_ctrl_command(&s, data, size);

	if ((ack != VIRTIO_NET_OK && ack != VIRTIO_NET_ERR) || s.pairs < 1 ||
	    s.pairs > s.max_pairs || (s.mac[0] & 1))
		abort();
}

/*
 * Input: flags, a 16-bit frame length (receive), guest memory from 0 (the
 * descriptor table, the avail ring, buffers), then the frame's bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_backend f = { .be = { .ops = &fuzz_ops, .nr_queues = 1, .name = "fuzz" } };
	struct net_stats stats = { 0 };
	uint8_t *mem = gm.regions[0].hva;
	struct net_queue q;
	struct virtqueue vq;
	uint8_t flags;
	unsigned i;
	int r;

	if (size < 3)
		return 0;
	flags = data[0];
	if (flags & F_CTRL) {
		fuzz_ctrl(data + 1, size - 1);
		return 0;
	}
	f.len = (size_t)(data[1] | data[2] << 8);
	data += 3;
	size -= 3;
	memset(mem, 0, MEM);
	memcpy(mem, data, size < MEM ? size : MEM);
	memcpy(before, mem, MEM);
	dirty[0] = 0;
	f.frame = size > MEM ? data + MEM : data;
	if (f.len > (size > MEM ? size - MEM : size))
		f.len = size > MEM ? size - MEM : size;
	f.frames = 2;
	f.be.vnet_hdr = flags & F_VNET_HDR;
	f.be.offloads = f.be.vnet_hdr ? NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6 : 0;
	if (net_queue_init(&q, &ds, &f.be, 0, &stats))
		abort();
	q.features = features(flags);
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, USED, flags & F_EVENT_IDX, true);
	for (i = 0, r = 1; i < 4 && r >= 0; i++) {
		q.more = false;
		r = flags & F_RX ? net_queue_rx(&q, &vq) : net_queue_tx(&q, &vq);
		if (!q.more && r == 0)
			break;
	}
	/* Nothing received: nothing written but the used ring (and its avail_event). */
	if ((flags & F_RX) && r >= 0 && !stats.rx_packets &&
	    (memcmp(mem, before, USED) ||
	     memcmp(mem + USED_END, before + USED_END, MEM - USED_END)))
		abort();
	check_dirty(mem);
	if (stats.rx_bytes > 2 * (uint64_t)f.len || stats.tx_packets > 4 * NET_BATCH)
		abort();
	net_queue_destroy(&q);
	return 0;
}
