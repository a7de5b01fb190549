#include "virtio/blk.h"
#include "backend/disk_io.h"
#include "core/log.h"
#include "virtio/worker.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VIRTIO_ID_BLOCK			2
#define PCI_CLASS_STORAGE_SCSI		0x0100
#define BLK_QUEUE_SIZE			256

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* struct virtio_blk_config offsets (5.2.4). */
#define CFG_CAPACITY			0
#define CFG_SEG_MAX			12
#define CFG_BLK_SIZE			20
#define CFG_NUM_QUEUES			34
#define CFG_MAX_DISCARD_SECTORS		36
#define CFG_MAX_DISCARD_SEG		40
#define CFG_DISCARD_ALIGNMENT		44
#define CFG_MAX_WRITE_ZEROES_SECTORS	48
#define CFG_MAX_WRITE_ZEROES_SEG	52
#define CFG_WRITE_ZEROES_MAY_UNMAP	56

#define BLK_MAX_RANGE_SECTORS		(1u << 22)	/* 2 GiB per discard or zeroing */
#define BLK_DISCARD_ALIGN_SECTORS	8		/* holes are punched in 4 KiB blocks */

struct blk_slot {
	struct blk_req req;
	struct blk_queue *bq;
	uint32_t gen;
	uint16_t head;
};

struct blk_queue {
	struct virtio_blk *blk;
	unsigned index;
	struct virtio_worker worker;
	struct disk_io io;
	bool io_ready;
	struct virtq_chain chain;
	struct blk_slot *slots;
	uint16_t *free;
	unsigned nr_free;
	uint32_t gen;		/* bumped by a device reset: older requests are dropped */
	bool pushed;
};

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void account(struct blk_stats *st, const struct blk_req *req, uint8_t status)
{
	count(&st->requests, 1);
	if (status != VIRTIO_BLK_S_OK)
		count(&st->errors, 1);
	else if (req->type == VIRTIO_BLK_T_IN)
		count(&st->read_bytes, req->io.len);
	else if (req->type == VIRTIO_BLK_T_OUT)
		count(&st->write_bytes, req->io.len);
	else if (req->type == VIRTIO_BLK_T_FLUSH)
		count(&st->flushes, 1);
}

static void finish(struct blk_queue *bq, struct blk_slot *s, uint8_t status)
{
	struct virtio_dev *vd = &bq->blk->vd;
	uint32_t len = status == VIRTIO_BLK_S_OK ? s->req.in_len : 1;
	bool broken = false;

	account(&bq->blk->stats, &s->req, status);
	/* The data a read brought in is logged now that it is there (the status below too). */
	if (status == VIRTIO_BLK_S_OK && s->req.io.op != DISK_WRITE)
		dma_mark_written(&vd->dma, s->req.iov, s->req.io.iovcnt);
	pthread_mutex_lock(&vd->lock);
	if (s->gen == bq->gen && virtio_queue_live(vd, bq->index)) {
		if (dma_write(&vd->dma, s->req.status_addr, &status, 1) ||
		    vq_push(&vd->queues[bq->index].vq, s->head, len))
			broken = true;
		else
			bq->pushed = true;
	}
	pthread_mutex_unlock(&vd->lock);
	bq->free[bq->nr_free++] = (uint16_t)(s - bq->slots);
	if (broken)
		virtio_needs_reset(vd);
}

static void io_done(void *opaque, struct disk_request *r, int res)
{
	struct blk_slot *s = (struct blk_slot *)((char *)r - offsetof(struct blk_slot, req.io));

	if (res < 0)
		pr_debug("--disk %s: request at byte %llu: %s", s->bq->blk->disk.path,
			 (unsigned long long)r->offset, strerror(-res));
	finish(opaque, s, res < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

static void get_id(struct blk_queue *bq, struct blk_slot *s)
{
	const char *id = bq->blk->serial;
	unsigned i;

	for (i = 0; i < s->req.io.iovcnt; i++) {
		size_t n = s->req.iov[i].iov_len;

		memcpy(s->req.iov[i].iov_base, id, n);
		id += n;
	}
	finish(bq, s, VIRTIO_BLK_S_OK);
}

static void start(struct blk_queue *bq, struct blk_slot *s)
{
	if (s->req.status != VIRTIO_BLK_S_OK)
		finish(bq, s, s->req.status);
	else if (s->req.type == VIRTIO_BLK_T_GET_ID)
		get_id(bq, s);
	else if (s->req.io.op != DISK_FLUSH && !s->req.io.len)
		finish(bq, s, VIRTIO_BLK_S_OK);	/* nothing to move */
	else
		disk_io_submit(&bq->io, &s->req.io);
}

static void notify_driver(struct blk_queue *bq)
{
	if (!bq->pushed)
		return;
	bq->pushed = false;
	virtio_notify_queue(&bq->blk->vd, bq->index);
}

/* Finish what completed, take every available request the free slots allow, and start it. */
static void run_queue(struct blk_queue *bq)
{
	struct virtio_dev *vd = &bq->blk->vd;
	bool broken = false;

	disk_io_reap(&bq->io);
	while (bq->nr_free && !broken) {
		enum vq_pop_result pr = VQ_EMPTY;
		struct blk_slot *s;
		uint32_t gen;

		pthread_mutex_lock(&vd->lock);
		if (virtio_queue_live(vd, bq->index))
			pr = vq_pop(&vd->queues[bq->index].vq, &bq->chain);
		gen = bq->gen;
		pthread_mutex_unlock(&vd->lock);
		if (pr == VQ_EMPTY)
			break;
		if (pr == VQ_BROKEN) {
			broken = true;
			break;
		}
		s = &bq->slots[bq->free[--bq->nr_free]];
		s->head = bq->chain.head;
		s->gen = gen;
		if (blk_req_parse(&s->req, &bq->chain, &vd->dma, &bq->blk->lim)) {
			bq->nr_free++;
			broken = true;
			break;
		}
		start(bq, s);
	}
	disk_io_flush(&bq->io);
	/* Reads the page cache holds finish inside the submit: answer them in this batch. */
	disk_io_reap(&bq->io);
	if (broken) {
		pr_debug("--disk %s: queue %u: the driver broke the ring; device needs a reset",
			 bq->blk->disk.path, bq->index);
		virtio_needs_reset(vd);
	}
	notify_driver(bq);
}

static void blk_kicked(void *opaque, unsigned q)
{
	(void)q;
	run_queue(opaque);
}

/* Completions free slots, so requests left waiting can start now. */
static void blk_completed(void *opaque, uint32_t events)
{
	struct blk_queue *bq = opaque;

	(void)events;
	disk_io_clear_event(&bq->io);
	run_queue(bq);
}

/* Whether the driver offered requests that a free slot can take. */
static bool blk_has_work(struct blk_queue *bq)
{
	struct virtio_dev *vd = &bq->blk->vd;
	bool avail;

	if (!bq->nr_free)
		return false;
	pthread_mutex_lock(&vd->lock);
	avail = virtio_queue_live(vd, bq->index) && vq_has_avail(&vd->queues[bq->index].vq);
	pthread_mutex_unlock(&vd->lock);
	return avail;
}

/* Completions to reap, or requests to start. */
static bool blk_ready(struct blk_queue *bq)
{
	return disk_io_pending(&bq->io) || blk_has_work(bq);
}

static bool blk_poll(void *opaque)
{
	struct blk_queue *bq = opaque;

	if (!blk_ready(bq))
		return false;
	run_queue(bq);
	return true;
}

/*
 * While the I/O thread is awake the driver need not kick (virtio 1.2, 2.7.10)
 * nor the ring signal completions: the thread looks at both itself.
 */
static bool blk_set_quiet(void *opaque, bool quiet)
{
	struct blk_queue *bq = opaque;
	struct virtio_dev *vd = &bq->blk->vd;
	int err = 0;

	pthread_mutex_lock(&vd->lock);
	if (virtio_queue_live(vd, bq->index))
		err = quiet ? vq_disable_notify(&vd->queues[bq->index].vq) :
			      vq_enable_notify(&vd->queues[bq->index].vq);
	pthread_mutex_unlock(&vd->lock);
	if (err) {
		virtio_needs_reset(vd);
		return false;
	}
	if (quiet)
		return false;
	disk_io_clear_event(&bq->io);
	return blk_ready(bq);
}

static void blk_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_blk *b = vd->opaque;

	if (q < b->nr_queues)
		worker_kick(&b->queues[q].worker, 0);
}

static int blk_queue_fd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_blk *b = vd->opaque;

	return q < b->nr_queues ? worker_queue_fd(&b->queues[q].worker, 0) : -1;
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *b = vd->opaque;
	unsigned q;

	for (q = 0; q < b->nr_started; q++)
		b->queues[q].gen++;
}

static void blk_config_read(struct virtio_dev *vd, uint64_t off, void *data, unsigned len)
{
	struct virtio_blk *b = vd->opaque;

	if (off + len <= sizeof(b->config))
		memcpy(data, b->config + off, len);
}

#define BLK_DRAIN_POLL_US 100

/* Stop taking requests and finish those in flight, so that guest memory stays still. */
static void blk_pause(struct virtio_dev *vd)
{
	struct virtio_blk *b = vd->opaque;
	unsigned i;

	for (i = 0; i < b->nr_started; i++) {
		struct blk_queue *bq = &b->queues[i];

		worker_stop(&bq->worker);
		for (;;) {
			disk_io_reap(&bq->io);
			if (bq->nr_free == BLK_QUEUE_SIZE)
				break;
			usleep(BLK_DRAIN_POLL_US);
		}
		notify_driver(bq);
	}
}

static int blk_resume(struct virtio_dev *vd)
{
	struct virtio_blk *b = vd->opaque;
	unsigned i;

	for (i = 0; i < b->nr_started; i++)
		if (worker_start(&b->queues[i].worker))
			return -1;
	return 0;
}

/*
 * Version 1: what the driver read from the static configuration, so that a
 * restore onto another image (another size, serial, mode) is refused.
 */
static void blk_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct virtio_blk *b = vd->opaque;

	state_put_u64(w, b->lim.capacity);
	state_put_bool(w, b->lim.readonly);
	state_put(w, b->serial, sizeof(b->serial));
}

static int blk_restore(struct virtio_dev *vd, struct state_reader *r, bool apply)
{
	struct virtio_blk *b = vd->opaque;
	uint64_t capacity = state_get_u64(r);
	bool readonly = state_get_bool(r);
	char serial[VIRTIO_BLK_ID_BYTES];

	(void)apply;
	if (state_get(r, serial, sizeof(serial)))
		return -1;
	if (capacity != b->lim.capacity) {
		state_invalid(r, "--disk %s has %llu sectors, the saved disk had %llu", b->disk.path,
			      (unsigned long long)b->lim.capacity, (unsigned long long)capacity);
		return -1;
	}
	if (readonly != b->lim.readonly || memcmp(serial, b->serial, sizeof(serial))) {
		state_invalid(r, "--disk %s: its serial or read-only mode differs from the saved "
			      "disk's", b->disk.path);
		return -1;
	}
	return 0;
}

static const struct virtio_dev_ops blk_ops = {
	.reset = blk_reset,
	.notify = blk_notify,
	.queue_fd = blk_queue_fd,
	.config_read = blk_config_read,
	.pause = blk_pause,
	.resume = blk_resume,
	.save = blk_save,
	.restore = blk_restore,
};

static void put32(uint8_t *cfg, unsigned off, uint32_t v)
{
	memcpy(cfg + off, &v, sizeof(v));
}

static uint64_t build_config(struct virtio_blk *b)
{
	uint64_t features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ull << VIRTIO_BLK_F_FLUSH);
	uint16_t nq = (uint16_t)b->nr_queues;

	memcpy(b->config + CFG_CAPACITY, &b->lim.capacity, 8);
	put32(b->config, CFG_SEG_MAX, BLK_SEG_MAX);
	put32(b->config, CFG_BLK_SIZE, DISK_SECTOR_SIZE);
	memcpy(b->config + CFG_NUM_QUEUES, &nq, 2);
	if (b->nr_queues > 1)
		features |= 1ull << VIRTIO_BLK_F_MQ;
	if (b->lim.readonly)
		return features | (1ull << VIRTIO_BLK_F_RO);
	put32(b->config, CFG_MAX_DISCARD_SECTORS, b->lim.max_discard_sectors);
	put32(b->config, CFG_MAX_DISCARD_SEG, 1);
	put32(b->config, CFG_DISCARD_ALIGNMENT, BLK_DISCARD_ALIGN_SECTORS);
	put32(b->config, CFG_MAX_WRITE_ZEROES_SECTORS, b->lim.max_write_zeroes_sectors);
	put32(b->config, CFG_MAX_WRITE_ZEROES_SEG, 1);
	b->config[CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
	return features | (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
}

static int queue_init(struct virtio_blk *b, unsigned i, bool sync_io, uint64_t poll_ns)
{
	struct blk_queue *bq = &b->queues[i];
	unsigned k;

	bq->blk = b;
	bq->index = i;
	if (worker_init(&bq->worker, 1, blk_kicked, bq))
		return -1;
	bq->slots = calloc(BLK_QUEUE_SIZE, sizeof(*bq->slots));
	bq->free = calloc(BLK_QUEUE_SIZE, sizeof(*bq->free));
	if (!bq->slots || !bq->free)
		return -1;
	for (k = 0; k < BLK_QUEUE_SIZE; k++) {
		bq->slots[k].bq = bq;
		bq->free[k] = (uint16_t)k;
	}
	bq->nr_free = BLK_QUEUE_SIZE;
	if (disk_io_init(&bq->io, &b->disk, BLK_QUEUE_SIZE, !sync_io, io_done, bq))
		return -1;
	bq->io_ready = true;
	if (disk_io_event_fd(&bq->io) >= 0 &&
	    worker_watch(&bq->worker, disk_io_event_fd(&bq->io), blk_completed, bq))
		return -1;
	worker_set_poll(&bq->worker, poll_ns, blk_poll, blk_set_quiet, bq);
	return worker_start(&bq->worker);
}

int virtio_blk_init(struct virtio_blk *b, const struct blk_options *o,
		    const struct virtio_pci_env *env)
{
	uint64_t features;
	unsigned i;

	memset(b, 0, sizeof(*b));
	b->disk.fd = -1;
	if (o->queues < 1 || o->queues > VIRTIO_BLK_MAX_QUEUES) {
		pr_err("--disk %s: queues=%u: between 1 and %u", o->path, o->queues,
		       VIRTIO_BLK_MAX_QUEUES);
		return -1;
	}
	if (o->serial && strlen(o->serial) > VIRTIO_BLK_ID_BYTES) {
		pr_err("--disk %s: serial=%s: at most %u bytes", o->path, o->serial,
		       VIRTIO_BLK_ID_BYTES);
		return -1;
	}
	if ((o->lock_later ? disk_open_unlocked : disk_open)(&b->disk, o->path, o->readonly,
							     o->direct))
		return -1;
	if (o->serial)
		memcpy(b->serial, o->serial, strlen(o->serial));
	b->lim = (struct blk_limits){
		.capacity = b->disk.size / DISK_SECTOR_SIZE,
		.readonly = o->readonly,
		.discard = !o->readonly,
		.write_zeroes = !o->readonly,
		.max_discard_sectors = BLK_MAX_RANGE_SECTORS,
		.max_write_zeroes_sectors = BLK_MAX_RANGE_SECTORS,
	};
	b->nr_queues = o->queues;
	features = build_config(b);
	if (virtio_pci_init(&b->vd, VIRTIO_ID_BLOCK, PCI_CLASS_STORAGE_SCSI, b->nr_queues,
			    BLK_QUEUE_SIZE, features, sizeof(b->config), &blk_ops, b, env))
		return -1;
	b->queues = calloc(b->nr_queues, sizeof(*b->queues));
	if (!b->queues)
		return -1;
	for (i = 0; i < b->nr_queues; i++) {
		b->nr_started = i + 1;
		if (queue_init(b, i, o->sync_io, (uint64_t)o->poll_us * 1000)) {
			pr_err("--disk %s: cannot start queue %u", o->path, i);
			return -1;
		}
	}
	pr_debug("--disk %s: %llu sectors, %u queue(s), %s I/O%s%s", o->path,
		 (unsigned long long)b->lim.capacity, b->nr_queues,
		 disk_io_engine(&b->queues[0].io), o->readonly ? ", read-only" : "",
		 o->direct ? ", cache=none" : "");
	return 0;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	unsigned i;

	for (i = 0; i < b->nr_started; i++) {
		struct blk_queue *bq = &b->queues[i];

		worker_destroy(&bq->worker);
		if (bq->io_ready)
			disk_io_destroy(&bq->io);
		free(bq->slots);
		free(bq->free);
	}
	free(b->queues);
	virtio_pci_destroy(&b->vd);
	disk_close(&b->disk);
}

static void blk_dev_destroy(void *dev)
{
	virtio_blk_destroy(dev);
	free(dev);
}

int virtio_blk_lock(struct virtio_blk *b)
{
	return disk_lock(&b->disk);
}

void virtio_blk_unlock(struct virtio_blk *b)
{
	disk_unlock(&b->disk);
}

static void blk_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	const struct blk_stats *st = &((struct virtio_blk *)dev)->stats;

	emit(opaque, "requests", __atomic_load_n(&st->requests, __ATOMIC_RELAXED));
	emit(opaque, "read_bytes", __atomic_load_n(&st->read_bytes, __ATOMIC_RELAXED));
	emit(opaque, "write_bytes", __atomic_load_n(&st->write_bytes, __ATOMIC_RELAXED));
	emit(opaque, "flushes", __atomic_load_n(&st->flushes, __ATOMIC_RELAXED));
	emit(opaque, "errors", __atomic_load_n(&st->errors, __ATOMIC_RELAXED));
}

_Static_assert(offsetof(struct virtio_blk, vd) == 0, "the registry's hooks take a virtio_dev");

const struct device_ops virtio_blk_device_ops = {
	.kind = "virtio-blk",
	.metrics = blk_metrics,
	VIRTIO_DEVICE_HOOKS,
	.destroy = blk_dev_destroy,
};
