/*
 * The VT-d unit driven as an OS driver would: translation tables for the
 * virtio-blk device, I/O through an IOVA that differs from the buffer's
 * physical address, faults for unmapped IOVAs (with the fault interrupt),
 * revocation with invalidation, queued invalidation, a buffer above 4 GiB
 * reached through an IOVA below it, and the device's MSI-X interrupt through
 * an interrupt remapping table entry. Runs with vessel.disktest only.
 */
#include "virtio.h"

#define GCMD		0x18
#define GSTS		0x1c
#define RTADDR		0x20
#define FSTS		0x34
#define FECTL		0x38
#define FEDATA		0x3c
#define FEADDR		0x40
#define IQH		0x80
#define IQT		0x88
#define IQA		0x90
#define IRTA		0xb8
#define CAP		0x08
#define ECAP		0x10
#define CCMD		0x28
#define TE		(1u << 31)
#define SRTP		(1u << 30)
#define QIE		(1u << 26)
#define IRE		(1u << 25)
#define SIRTP		(1u << 24)
#define IRTPS		SIRTP
#define IR_VECTOR	43		/* what the IRTE says, not what the device was told */
#define IR_INDEX	5
#define PPF		2u
#define FAULT_VECTOR	42
#define IOVA_WINDOW	0x4000000ul	/* 64 MiB: above the identity-mapped low RAM */
#define HIGH_PHYS	0x100000000ul	/* 4 GiB: where RAM above the hole starts */
#define TEST_SECTOR	8
#define DID		1

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t ctx[512] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint64_t high_pd[512] __attribute__((aligned(4096)));
static uint64_t queue[256 * 2] __attribute__((aligned(4096)));
static uint64_t irt[256 * 2] __attribute__((aligned(4096)));
static volatile uint32_t ir_irqs;
static unsigned qtail;
static uint8_t buf_a[4096] __attribute__((aligned(4096)));
static uint8_t buf_b[4096] __attribute__((aligned(4096)));
static volatile uint32_t wait_status;
static volatile uint32_t fault_irqs;
static uint64_t regs;
static unsigned iva_reg, iotlb_reg, frcd_reg;	/* where CAP and ECAP place them */

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(regs + off); }
static uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(regs + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(regs + off) = v; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(regs + off) = v; }

static void fault_irq(unsigned vector)
{
	(void)vector;
	fault_irqs++;
	lapic_eoi();
}

static void ir_irq(unsigned vector)
{
	(void)vector;
	ir_irqs++;
	lapic_eoi();
}

static int gcmd(uint32_t bits, uint32_t want)
{
	unsigned spins = 0;

	wr32(GCMD, bits);
	while ((rd32(GSTS) & want) != want && spins++ < 100000)
		cpu_relax();
	return (rd32(GSTS) & want) == want ? 0 : -1;
}

/*
 * Low 64 MiB identity-mapped with 2 MiB pages; IOVA 64 MiB + n*4K through pt[].
 * Four levels where CAP.SAGAW offers them, else three (VT-d 4.0, 11.4.2).
 */
static void build_tables(unsigned slot)
{
	int four = (rd64(CAP) >> 8) & 4;
	unsigned i;

	root[0] = (uint64_t)ctx | 1;
	ctx[2 * (slot << 3)] = (uint64_t)(four ? pml4 : pdpt) | 1;	/* present, multi-level */
	ctx[2 * (slot << 3) + 1] = (four ? 2 : 1) | DID << 8;		/* AW, domain 1 */
	pml4[0] = (uint64_t)pdpt | 3;
	pdpt[0] = (uint64_t)pd | 3;
	for (i = 0; i < 32; i++)
		pd[i] = ((uint64_t)i << 21) | (1 << 7) | 3;
	pd[32] = (uint64_t)pt | 3;
}

/* The oldest fault record: its reason, and clear it. */
static int take_fault(uint64_t *addr)
{
	static unsigned next;
	unsigned off = frcd_reg + 16 * next;
	uint64_t hi = rd64(off + 8);
	int reason;

	if (!(hi >> 63))
		return -1;
	*addr = rd64(off);
	reason = (int)((hi >> 32) & 0xff);
	wr32(off + 12, 1u << 31);	/* F is write-1-to-clear */
	next = (next + 1) % 8;
	return reason;
}

static int invalidate_page(uint64_t iova)
{
	unsigned spins = 0;

	wr64(iva_reg, iova);
	wr64(iotlb_reg, 1ull << 63 | 3ull << 60 | (uint64_t)DID << 32);	/* page-selective */
	while ((rd64(iotlb_reg) >> 63) && spins++ < 100000)
		cpu_relax();
	return rd64(iotlb_reg) >> 63 ? -1 : 0;
}

static void pattern(uint8_t *p, uint8_t seed)
{
	unsigned i;

	for (i = 0; i < 4096; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* Write buf_a through IOVA window page 0, read it back into buf_b through page 1. */
static int remapped_io(struct vdev *d)
{
	pt[0] = (uint64_t)buf_a | 3;
	pt[1] = (uint64_t)buf_b | 3;
	pattern(buf_a, 0x31);
	memset(buf_b, 0, sizeof(buf_b));
	if (blk_request(d, BLK_T_OUT, TEST_SECTOR, (void *)IOVA_WINDOW, 4096, 0) != BLK_S_OK ||
	    blk_request(d, BLK_T_IN, TEST_SECTOR, (void *)(IOVA_WINDOW + 4096), 4096,
			VQ_F_WRITE) != BLK_S_OK)
		return -1;
	return memcmp(buf_a, buf_b, 4096) ? -1 : 0;
}

/* A read into an unmapped IOVA: the device gets an error, memory there stays as it was. */
static int unmapped_faults(struct vdev *d)
{
	volatile uint8_t *same_phys = (volatile uint8_t *)(IOVA_WINDOW + 5 * 4096);
	uint64_t addr = 0;
	int st, reason;

	same_phys[0] = 0xaa;
	st = blk_request(d, BLK_T_IN, TEST_SECTOR, (void *)(IOVA_WINDOW + 5 * 4096), 4096,
			 VQ_F_WRITE);
	wait_flag(&fault_irqs, IRQ_WAIT_CYCLES);
	reason = take_fault(&addr);
	con_printf("vessel-guest: iommu: DMA to unmapped IOVA 0x%lx: status %d, fault reason 0x%x "
		   "at 0x%lx, %u fault interrupt(s)\n", IOVA_WINDOW + 5 * 4096, st, reason, addr,
		   fault_irqs);
	return st == BLK_S_IOERR && reason == 5 && addr == IOVA_WINDOW + 5 * 4096 &&
	       fault_irqs > 0 && same_phys[0] == 0xaa ? 0 : -1;
}

/* Revoke page 0, invalidate it, and DMA there fails at once. */
static int revoked(struct vdev *d)
{
	uint64_t addr;

	pt[0] = 0;
	if (invalidate_page(IOVA_WINDOW) ||
	    blk_request(d, BLK_T_IN, TEST_SECTOR, (void *)IOVA_WINDOW, 4096, VQ_F_WRITE) !=
		    BLK_S_IOERR)
		return -1;
	return take_fault(&addr) == 5 ? 0 : -1;
}

/* Invalidation through the queue, with a status-writing wait descriptor. */
static int queued(void)
{
	wr64(IQA, (uint64_t)queue);		/* one page: 256 descriptors */
	if (gcmd(TE | QIE, TE | QIE))
		return -1;
	queue[0] = 2 | 1 << 4;				/* IOTLB, global */
	queue[1] = 0;
	queue[2] = 5 | 1 << 5 | 0x600dull << 32;	/* wait, status write */
	queue[3] = (uint64_t)&wait_status;
	qtail = 2;
	wr64(IQT, 16 * qtail);
	wait_flag(&wait_status, 1000ull * 1000 * 1000);
	return wait_status == 0x600d && rd64(IQH) == 32 ? 0 : -1;
}

/* Post @d0/@d1 and a wait descriptor; return once the unit has written the status. */
static int qi_sync(uint64_t d0, uint64_t d1)
{
	wait_status = 0;
	queue[2 * qtail] = d0;
	queue[2 * qtail + 1] = d1;
	queue[2 * qtail + 2] = 5 | 1 << 5 | 0x600dull << 32;
	queue[2 * qtail + 3] = (uint64_t)&wait_status;
	qtail += 2;
	wr64(IQT, 16 * qtail);
	wait_flag(&wait_status, 1000ull * 1000 * 1000);
	return wait_status == 0x600d ? 0 : -1;
}

/*
 * Interrupt remapping: the device's MSI-X entry in remappable format names
 * IRTE 5, which sends vector 43; a not-present IRTE blocks it with a fault.
 */
static int remapped_interrupts(struct vdev *d, unsigned slot)
{
	volatile uint32_t *e = (volatile uint32_t *)d->msix_table;
	uint64_t addr = 0;
	unsigned spins;
	int reason;

	irt[2 * IR_INDEX] = 1 | (uint64_t)IR_VECTOR << 16 | (uint64_t)lapic_id() << 40;
	irt[2 * IR_INDEX + 1] = (uint64_t)(slot << 3) | 1ull << 18;	/* verify the requester */
	wr64(IRTA, (uint64_t)irt | 7);				/* 256 entries, xAPIC */
	if (gcmd(TE | QIE | SIRTP, IRTPS) || gcmd(TE | QIE | IRE, TE | QIE | IRE))
		return -1;
	irq_set_handler(IR_VECTOR, ir_irq);
	e[0] = 0xfee00000u | IR_INDEX << 5 | 1u << 4;		/* remappable format */
	e[1] = 0;
	e[2] = 0;
	if (blk_request(d, BLK_T_IN, TEST_SECTOR, buf_b, 4096, VQ_F_WRITE) != BLK_S_OK)
		return -1;
	wait_flag(&ir_irqs, IRQ_WAIT_CYCLES);	/* the used ring may beat the MSI */
	con_printf("vessel-guest: iommu: MSI-X through IRTE %u: %u interrupt(s) at vector %u\n",
		   IR_INDEX, ir_irqs, IR_VECTOR);
	if (!ir_irqs)
		return -1;
	/* Block the entry, invalidate the interrupt entry cache; poll from here on. */
	irt[2 * IR_INDEX] = 0;
	if (qi_sync(4, 0))
		return -1;
	d->use_irq = 0;
	ir_irqs = 0;
	if (blk_request(d, BLK_T_IN, TEST_SECTOR, buf_b, 4096, VQ_F_WRITE) != BLK_S_OK)
		return -1;
	/* The device signals after it completes: give the blocked request time to arrive. */
	for (spins = 0; !(rd32(FSTS) & PPF) && spins < 10000000; spins++)
		cpu_relax();
	reason = take_fault(&addr);
	con_printf("vessel-guest: iommu: blocked IRTE: fault reason 0x%x, index %lu, %u interrupt(s)\n",
		   reason, addr >> 48, ir_irqs);
	return reason == 0x22 && addr >> 48 == IR_INDEX && !ir_irqs ? 0 : -1;
}

/* A device buffer above 4 GiB, reached through an IOVA below it. */
static int high_buffer(struct vdev *d, uint64_t ram_end)
{
	uint64_t cr3;
	uint64_t *guest_pdpt;
	uint8_t *high = (uint8_t *)HIGH_PHYS;

	if (ram_end <= HIGH_PHYS + 4096)
		return 1;	/* no RAM above 4 GiB: nothing to test */
	/* Let the CPU see 2 MiB above 4 GiB too (not a 1 GiB page: not every host has them). */
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	guest_pdpt = (uint64_t *)(((uint64_t *)(cr3 & ~0xfffull))[0] & ~0xfffull);
	high_pd[0] = HIGH_PHYS | (1 << 7) | 3;
	guest_pdpt[4] = (uint64_t)high_pd | 3;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	pt[2] = HIGH_PHYS | 3;
	memset(high, 0, 4096);
	if (blk_request(d, BLK_T_IN, TEST_SECTOR, (void *)(IOVA_WINDOW + 2 * 4096), 4096,
			VQ_F_WRITE) != BLK_S_OK)
		return -1;
	return memcmp(high, buf_a, 4096) ? -1 : 0;
}

/* Globally, through the registers: context cache (CCMD), then the IOTLB. */
static int invalidate_all(void)
{
	unsigned spins = 0;

	wr64(CCMD, 1ull << 63 | 1ull << 61);
	while ((rd64(CCMD) >> 63) && spins++ < 100000)
		cpu_relax();
	wr64(iotlb_reg, 1ull << 63 | 1ull << 60);
	while ((rd64(iotlb_reg) >> 63) && spins++ < 200000)
		cpu_relax();
	return (rd64(CCMD) | rd64(iotlb_reg)) >> 63 ? -1 : 0;
}

/* The tables for @slot in place, root table set, caches invalidated, translation on. */
static int enable(const struct acpi_info *info, unsigned slot)
{
	regs = info->dmar_base;
	/* VT-d 4.0, 11.4.3: IRO and FRO give the IOTLB and fault-recording registers. */
	iva_reg = (unsigned)((rd64(ECAP) >> 8) & 0x3ff) * 16;
	iotlb_reg = iva_reg + 8;
	frcd_reg = (unsigned)((rd64(CAP) >> 24) & 0x3ff) * 16;
	build_tables(slot);
	wr64(RTADDR, (uint64_t)root);
	if (gcmd(SRTP, SRTP) || invalidate_all())
		return -1;
	return gcmd(TE, TE);
}

uint64_t iommu_window(void)
{
	return IOVA_WINDOW;
}

int iommu_map_window(const struct acpi_info *info, unsigned slot, const void *buf, uint64_t len)
{
	uint64_t i;

	if (len > 512 * 4096ull || ((uint64_t)buf & 4095))
		return -1;
	for (i = 0; i < (len + 4095) / 4096; i++)
		pt[i] = ((uint64_t)buf + i * 4096) | 3;
	return enable(info, slot);
}

int iommu_check(const struct acpi_info *info, unsigned blk_slot, uint64_t ram_end)
{
	struct vdev d;
	uint32_t offered;
	uint64_t capacity;
	int ok, high;

	irq_set_handler(FAULT_VECTOR, fault_irq);
	if (enable(info, blk_slot))
		return -1;
	wr32(FEDATA, FAULT_VECTOR);
	wr32(FEADDR, 0xfee00000u | lapic_id() << 12);
	wr32(FECTL, 0);
	if (blk_start(&d, blk_slot, &offered, &capacity))
		return -1;
	ok = remapped_io(&d) == 0;
	con_printf("vessel-guest: iommu: blk I/O through IOVA 0x%lx (buffer at 0x%lx): %s\n",
		   IOVA_WINDOW, (uint64_t)buf_a, ok ? "ok" : "FAILED");
	ok = ok && unmapped_faults(&d) == 0;
	ok = ok && revoked(&d) == 0;
	con_printf("vessel-guest: iommu: revoked mapping + IOTLB invalidation: %s\n",
		   ok ? "DMA refused" : "FAILED");
	ok = ok && queued() == 0;
	con_printf("vessel-guest: iommu: queued invalidation with wait descriptor: %s\n",
		   ok ? "ok" : "FAILED");
	high = ok ? high_buffer(&d, ram_end) : -1;
	ok = ok && high >= 0 && remapped_interrupts(&d, blk_slot) == 0;
	if (high >= 0)
		con_printf("vessel-guest: iommu: buffer above 4 GiB through IOVA 0x%lx: %s\n",
			   IOVA_WINDOW + 2 * 4096, high ? "skipped (no RAM there)" : "ok");
	ok = ok && !(rd32(FSTS) & PPF);
	vdev_reset(&d);
	gcmd(0, 0);		/* translation off again for the devices after this one */
	return ok ? 0 : -1;
}
