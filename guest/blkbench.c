/*
 * vessel.test=blkbench (with vessel.disktest): virtio-blk throughput and IOPS
 * from a polled driver whose request loop runs in CPL3, so that on hosts
 * which emulate a guest's kernel mode the VMM's device path is what is
 * measured, not the guest. The same ELF runs under QEMU, which makes the
 * comparison with its virtio-blk-pci one of the same guest on the same image.
 * With a DMAR unit (--iommu) every buffer and ring is reached through an IOVA
 * window of 4 KiB pages. Prints the lines bench/blk-sample.py reads:
 *   BENCH-BEGIN <pattern>
 *   BENCH <pattern> ops=N bytes=N usec=N kicks=N
 * (kicks: notifications the device did not suppress, each a VM exit).
 */
#include "virtio.h"

#define QD_MAX		4
#define SEQ_BS		(1u << 20)
#define RAND_BS		4096u
#define DESC_F_NEXT	1
#define USED_F_NO_NOTIFY 1
#define AVAIL_F_NO_INTERRUPT 1
#define STALL_SECONDS	10	/* a request outstanding this long ends the run */

struct bench_area {
	struct vring ring;
	struct blk_hdr hdr[QD_MAX];
	uint8_t status[QD_MAX];
	uint8_t data[SEQ_BS] __attribute__((aligned(4096)));
};

/* One run of one pattern; filled by the kernel, run in CPL3 by bench_loop. */
struct bench_job {
	struct bench_area *a;
	volatile uint16_t *notify;
	uint64_t dma_offset;	/* device address = address + dma_offset */
	uint32_t type, bs;
	unsigned qd, random;
	uint64_t blocks, cycles, stall_cycles;
	uint64_t ops, errors, elapsed, kicks;
	uint16_t avail_idx, last_used;
	uint64_t next, seed;
};

struct pattern {
	const char *name;
	uint32_t type, bs;
	unsigned qd, random;
};

/* As bench/guest/blkbench.c does it in Linux: one job sequential, four random. */
static const struct pattern patterns[] = {
	{ "seq-read", BLK_T_IN, SEQ_BS, 1, 0 },
	{ "seq-write", BLK_T_OUT, SEQ_BS, 1, 0 },
	{ "rand-read", BLK_T_IN, RAND_BS, 4, 1 },
	{ "rand-write", BLK_T_OUT, RAND_BS, 4, 1 },
};

/* The device needs 2 MiB alignment only for the IOMMU window's one page table. */
static struct bench_area area __attribute__((aligned(2 << 20)));
static struct bench_job job;

static uint64_t dev_addr(const struct bench_job *j, const void *p)
{
	return (uint64_t)p + j->dma_offset;
}

/* Slot @s owns descriptors 3s (header), 3s+1 (data), 3s+2 (status). */
static void setup_chains(struct bench_job *j)
{
	struct vq_desc *d = j->a->ring.desc;
	unsigned s;

	for (s = 0; s < j->qd; s++) {
		d[3 * s] = (struct vq_desc){ dev_addr(j, &j->a->hdr[s]), sizeof(struct blk_hdr),
					     DESC_F_NEXT, (uint16_t)(3 * s + 1) };
		d[3 * s + 1] = (struct vq_desc){ dev_addr(j, j->a->data + s * j->bs), j->bs,
						 (uint16_t)(DESC_F_NEXT |
							    (j->type == BLK_T_IN ? VQ_F_WRITE : 0)),
						 (uint16_t)(3 * s + 2) };
		d[3 * s + 2] = (struct vq_desc){ dev_addr(j, &j->a->status[s]), 1, VQ_F_WRITE, 0 };
	}
}

static void submit(struct bench_job *j, unsigned s)
{
	uint64_t block;

	if (j->random) {
		j->seed = j->seed * 6364136223846793005ull + 1442695040888963407ull;
		block = (j->seed >> 17) % j->blocks;
	} else {
		block = j->next++ % j->blocks;
	}
	j->a->hdr[s] = (struct blk_hdr){ j->type, 0, block * (j->bs / 512) };
	j->a->status[s] = 0xff;
	j->a->ring.avail.ring[j->avail_idx % VQ_SIZE] = (uint16_t)(3 * s);
	j->avail_idx++;
}

/* Publish what submit() queued; kick unless the device asked not to (virtio 1.2, 2.7.10). */
static void kick(struct bench_job *j)
{
	volatile struct vring *r = &j->a->ring;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->avail.idx = j->avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(r->used.flags & USED_F_NO_NOTIFY)) {
		*j->notify = 0;
		j->kicks++;
	}
}

/* Runs in CPL3: keep qd requests in flight until the time is up, then drain. */
static void bench_loop(void *arg)
{
	struct bench_job *j = arg;
	volatile struct vring *r = &j->a->ring;
	uint64_t start = rdtsc(), end = start + j->cycles, seen = start;
	unsigned s, inflight = 0;

	if (j->type == BLK_T_OUT)
		memset(j->a->data, 0x5a, j->qd * j->bs);
	setup_chains(j);
	for (s = 0; s < j->qd; s++, inflight++)
		submit(j, s);
	kick(j);
	while (inflight) {
		int again = 0;

		while (r->used.idx == j->last_used) {
			if (rdtsc() - seen > j->stall_cycles) {
				j->errors += inflight;
				j->elapsed = rdtsc() - start;
				return;
			}
			cpu_relax();
		}
		seen = rdtsc();
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		while (j->last_used != r->used.idx) {
			s = r->used.ring[j->last_used % VQ_SIZE].id / 3;
			j->last_used++;
			if (s >= j->qd) {
				j->errors++;
				continue;
			}
			j->errors += j->a->status[s] != BLK_S_OK;
			j->ops++;
			if (seen < end) {
				submit(j, s);
				again = 1;
			} else {
				inflight--;
			}
		}
		if (again)
			kick(j);
	}
	j->elapsed = rdtsc() - start;
}

static void settle_until(uint64_t tsc)
{
	while (rdtsc() < tsc)
		cpu_relax();
}

/* Spin until the RTC's seconds register changes; 0 if it did not before @limit. */
static int next_second(uint64_t limit)
{
	uint8_t s = cmos(0x00);

	while (cmos(0x00) == s)
		if (rdtsc() > limit)
			return 0;
	return 1;
}

uint64_t tsc_hz(void)
{
	uint64_t limit = rdtsc() + 50ull * 1000 * 1000 * 1000, t0;

	if (!next_second(limit))
		return 0;
	t0 = rdtsc();
	return next_second(limit) ? rdtsc() - t0 : 0;
}

static int run_pattern(struct vdev *d, const struct pattern *p, uint64_t capacity,
		       uint64_t hz, unsigned seconds, uint64_t dma_offset)
{
	struct bench_job *j = &job;
	uint64_t usec;

	*j = (struct bench_job){
		.a = &area, .dma_offset = dma_offset, .type = p->type, .bs = p->bs, .qd = p->qd,
		.random = p->random, .blocks = capacity * 512 / p->bs, .cycles = hz * seconds,
		.stall_cycles = hz * STALL_SECONDS, .seed = 1,
		.avail_idx = area.ring.avail.idx, .last_used = area.ring.used.idx,
	};
	j->notify = vdev_notify_reg(d, 0);
	/* A polled driver wants no interrupts, as SPDK's virtio driver asks (virtio 1.2, 2.7.7). */
	area.ring.avail.flags = AVAIL_F_NO_INTERRUPT;
	con_printf("BENCH-BEGIN %s\n", p->name);
	user_run(bench_loop, j);
	usec = j->elapsed / (hz / 1000000);
	con_printf("BENCH %s ops=%lu bytes=%lu usec=%lu kicks=%lu\n", p->name, j->ops,
		   j->ops * p->bs, usec, j->kicks);
	/* Quiet for a moment: a host-side sampler reads the VMM's threads before they move on. */
	settle_until(rdtsc() + hz / 5);
	if (j->errors)
		con_printf("vessel-guest: blkbench: %s: %lu requests failed or stalled (avail idx %u, "
			   "used idx %u, device status 0x%x)\n", p->name, j->errors,
			   area.ring.avail.idx, area.ring.used.idx, d->common->status);
	return j->errors ? -1 : 0;
}

int blk_bench(const struct acpi_info *acpi, unsigned slot, unsigned seconds)
{
	static struct vring *rings[] = { &area.ring };
	uint64_t hz = tsc_hz(), capacity, dma_offset = 0;
	struct vdev d;
	uint32_t offered;
	unsigned i;
	int ok = 1;

	if (hz < 1000000) {
		con_printf("vessel-guest: blkbench: the RTC does not tick, no time base\n");
		return -1;
	}
	con_printf("vessel-guest: blkbench: TSC %lu MHz, %u s per pattern%s\n", hz / 1000000,
		   seconds, acpi->dmar_base ? ", through the IOMMU" : "");
	if (vdev_init(&d, slot, BLK_F_RO, &offered) || (offered & BLK_F_RO)) {
		con_printf("vessel-guest: blkbench: the disk is read-only or did not start\n");
		return -1;
	}
	if (acpi->dmar_base) {
		if (iommu_map_window(acpi, slot, &area, sizeof(area)))
			return -1;
		dma_offset = iommu_window() - (uint64_t)&area;
	}
	d.ring_dma_offset = dma_offset;
	capacity = blk_capacity(&d);
	if (capacity * 512 < SEQ_BS || vdev_start(&d, rings, 1, -1))
		return -1;
	for (i = 0; ok && i < sizeof(patterns) / sizeof(patterns[0]); i++)
		ok = run_pattern(&d, &patterns[i], capacity, hz, seconds, dma_offset) == 0;
	vdev_reset(&d);
	return ok ? 0 : -1;
}
