/* The VT-d unit against tables in real guest memory: translations, faults, invalidation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "iommu/vtd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEM		(16 << 20)
#define ROOT		0x100000
#define CTX		0x101000
#define PML4		0x102000
#define PDPT		0x103000
#define PD		0x104000
#define PT		0x105000
#define QUEUE		0x106000
#define STATUS		0x107000
#define SID		0x0018		/* 00:03.0 */
#define DID		7

struct fixture {
	struct guest_mem gm;
	struct io_bus bus;
	struct vtd v;
	struct dma_translator xlate;
	struct dma_space ds;
	unsigned msis;
	uint32_t last_data;
};

static void send(void *opaque, uint64_t addr, uint32_t data)
{
	struct fixture *f = opaque;

	(void)addr;
	f->msis++;
	f->last_data = data;
}

static void put64(struct fixture *f, uint64_t gpa, uint64_t v)
{
	gm_write(&f->gm, gpa, &v, 8);
}

static uint64_t reg(struct fixture *f, unsigned off, unsigned len)
{
	uint64_t v = 0;

	io_bus_access(&f->bus, VTD_BASE_ADDR + off, &v, len, false);
	return v;
}

static void set_reg(struct fixture *f, unsigned off, uint64_t v, unsigned len)
{
	io_bus_access(&f->bus, VTD_BASE_ADDR + off, &v, len, true);
}

/* Root -> context for SID (4-level, domain DID) -> PML4 -> PDPT -> PD -> PT. */
static void build_tables(struct fixture *f)
{
	put64(f, ROOT + 16 * (SID >> 8), CTX | VTD_ROOT_P);
	put64(f, CTX + 16 * (SID & 0xff), PML4 | VTD_CTX_P);
	put64(f, CTX + 16 * (SID & 0xff) + 8, 2 | DID << VTD_CTX_DID_SHIFT);
	put64(f, PML4, PDPT | 3);
	put64(f, PDPT, PD | 3);
	put64(f, PD, PT | 3);				/* IOVA 0-2M: 4 KiB pages */
	put64(f, PT + 8 * 1, 0x200000 | 3);		/* IOVA 0x1000 -> 0x200000, RW */
	put64(f, PT + 8 * 2, 0x201000 | VTD_SL_R);	/* IOVA 0x2000 -> 0x201000, RO */
	put64(f, PD + 8 * 1, 0x400000 | VTD_SL_PS | 3);	/* IOVA 2M-4M: a 2 MiB page at 4M */
}

static void enable(struct fixture *f)
{
	set_reg(f, DMAR_RTADDR_REG, ROOT, 8);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_SRTP, 4);
	assert_true(reg(f, DMAR_GSTS_REG, 4) & DMA_GSTS_RTPS);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_TE, 4);
	assert_true(reg(f, DMAR_GSTS_REG, 4) & DMA_GSTS_TES);
}

static int setup(void **state)
{
	struct guest_mem_range r = { 0, MEM };
	struct fixture *f = calloc(1, sizeof(*f));
	struct vtd_msi_sink sink = { send, f };

	if (!f || guest_mem_init(&f->gm, &r, 1, GUEST_MEM_ANON, NULL))
		return -1;
	io_bus_init(&f->bus);
	vtd_init(&f->v, &f->gm, &sink, false);
	if (vtd_attach(&f->v, &f->bus))
		return -1;
	vtd_translator(&f->v, &f->xlate);
	dma_space_init(&f->ds, &f->gm, &f->xlate, SID);
	build_tables(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vtd_destroy(&f->v);
	io_bus_destroy(&f->bus);
	guest_mem_destroy(&f->gm);
	free(f);
	return 0;
}

static void test_identity_until_enabled(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa, contig;

	assert_int_equal(reg(f, DMAR_VER_REG, 4), DMAR_VER_1_0);
	assert_true(reg(f, DMAR_CAP_REG, 8) & DMA_CAP_SAGAW_48);
	assert_false(reg(f, DMAR_CAP_REG, 8) & DMA_CAP_CM);	/* only when asked for */
	assert_int_equal(f->xlate.translate(f->xlate.opaque, SID, 0x5000, 16, false, &gpa, &contig), 0);
	assert_int_equal(gpa, 0x5000);
}

static void test_translation(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 0x11223344, got = 0;

	enable(f);
	assert_int_equal(dma_write(&f->ds, 0x1010, &word, 4), 0);
	gm_read(&f->gm, 0x200010, &got, 4);
	assert_int_equal(got, word);
	/* A 2 MiB page. */
	assert_int_equal(dma_write(&f->ds, 0x200000 + 0x12345, &word, 4), 0);
	gm_read(&f->gm, 0x400000 + 0x12345, &got, 4);
	assert_int_equal(got, word);
	/* Read-only page: reads work, writes fault. */
	assert_int_equal(dma_read(&f->ds, 0x2000, &got, 4), 0);
	assert_int_equal(dma_write(&f->ds, 0x2000, &word, 4), -1);
	assert_true(reg(f, DMAR_FSTS_REG, 4) & DMA_FSTS_PPF);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 8, 8) >> DMA_FRCD_FR_SHIFT) & 0xff, VTD_FR_WRITE);
	assert_int_equal(reg(f, DMAR_FRCD_REG, 8), 0x2000);
	assert_int_equal(reg(f, DMAR_FRCD_REG + 8, 8) & 0xffff, SID);
	/* An unmapped IOVA faults and leaves memory alone. */
	assert_int_equal(dma_write(&f->ds, 0x3000, &word, 4), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 24, 8) >> DMA_FRCD_FR_SHIFT) & 0xff, VTD_FR_WRITE);
}

/* IOVA pages that land next to each other in RAM become one host buffer. */
static void test_map_iov_merges_adjacent_pages(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[4];

	enable(f);
	/* IOVA 0x1000 and 0x2000 map to 0x200000 and 0x201000: one buffer. */
	assert_int_equal(dma_map_iov(&f->ds, 0x1800, 0x1000, false, iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, gm_ptr(&f->gm, 0x200800, 0x1000));
	assert_int_equal(iov[0].iov_len, 0x1000);
	/* Remapped apart, they are two, and a one-entry array is too small. */
	put64(f, PT + 8 * 2, 0x208000 | VTD_SL_R);
	set_reg(f, DMAR_IOTLB_REG, DMA_IOTLB_IVT | 1ull << DMA_IOTLB_IIRG_SHIFT, 8);
	assert_int_equal(dma_map_iov(&f->ds, 0x1800, 0x1000, false, iov, 4), 2);
	assert_ptr_equal(iov[1].iov_base, gm_ptr(&f->gm, 0x208000, 0x800));
	assert_int_equal(iov[1].iov_len, 0x800);
	assert_int_equal(dma_map_iov(&f->ds, 0x1800, 0x1000, false, iov, 1), -1);
}

static void test_fault_event_and_clear(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 0;

	enable(f);
	set_reg(f, DMAR_FEDATA_REG, 0x45, 4);
	set_reg(f, DMAR_FEADDR_REG, 0xfee00000, 4);
	set_reg(f, DMAR_FECTL_REG, 0, 4);	/* unmask */
	assert_int_equal(dma_read(&f->ds, 0x9000, &word, 4), -1);
	assert_int_equal(f->msis, 1);
	assert_int_equal(f->last_data, 0x45);
	/* Software clears the record's F bit; PPF follows. */
	set_reg(f, DMAR_FRCD_REG + 12, DMA_FRCD_F >> 32, 4);
	assert_false(reg(f, DMAR_FSTS_REG, 4) & DMA_FSTS_PPF);
	/* While masked, a fault sets IP instead; unmasking delivers it. */
	set_reg(f, DMAR_FECTL_REG, DMA_FECTL_IM, 4);
	assert_int_equal(dma_read(&f->ds, 0x9000, &word, 4), -1);
	assert_int_equal(f->msis, 1);
	assert_true(reg(f, DMAR_FECTL_REG, 4) & DMA_FECTL_IP);
	set_reg(f, DMAR_FECTL_REG, 0, 4);
	assert_int_equal(f->msis, 2);
}

static void test_iotlb_invalidation(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 1;
	struct vtd_stats st;

	enable(f);
	assert_int_equal(dma_write(&f->ds, 0x1000, &word, 4), 0);
	assert_int_equal(dma_write(&f->ds, 0x1004, &word, 4), 0);
	vtd_stats(&f->v, &st);
	assert_int_equal(st.iotlb_hits, 1);
	/* Revoke the mapping: the IOTLB still has it until invalidated. */
	put64(f, PT + 8 * 1, 0);
	assert_int_equal(dma_write(&f->ds, 0x1000, &word, 4), 0);
	set_reg(f, DMAR_IVA_REG, 0x1000, 8);
	set_reg(f, DMAR_IOTLB_REG, DMA_IOTLB_IVT | 3ull << DMA_IOTLB_IIRG_SHIFT |
				   (uint64_t)DID << DMA_IOTLB_DID_SHIFT, 8);
	assert_false(reg(f, DMAR_IOTLB_REG, 8) & DMA_IOTLB_IVT);
	assert_int_equal((reg(f, DMAR_IOTLB_REG, 8) >> DMA_IOTLB_IAIG_SHIFT) & 3, 3);
	assert_int_equal(dma_write(&f->ds, 0x1000, &word, 4), -1);
}

/*
 * IOTLB hits are served without the unit's lock: a translation that starts
 * after an invalidation returned must never see the revoked page, however
 * the device thread and the invalidating vCPU interleave.
 */
static struct fixture *race_f;
static volatile int race_gen, race_stop;
static unsigned race_stale, race_new;

static void *device_thread(void *arg)
{
	uint64_t gpa, contig;

	(void)arg;
	while (!race_stop) {
		int gen = __atomic_load_n(&race_gen, __ATOMIC_ACQUIRE);

		if (race_f->xlate.translate(race_f->xlate.opaque, SID, 0x1000, 8, false, &gpa,
					    &contig))
			continue;
		if (gen && gpa == 0x200000)
			race_stale++;
		if (gpa == 0x300000)
			race_new++;
	}
	return NULL;
}

static void test_lockless_hits_respect_invalidation(void **state)
{
	struct fixture *f = *state;
	struct vtd_stats st;
	pthread_t t;
	unsigned round;

	enable(f);
	race_f = f;
	for (round = 0; round < 200; round++) {
		uint64_t old = round & 1 ? 0x300000 : 0x200000;

		put64(f, PT + 8 * 1, old | 3);
		set_reg(f, DMAR_IOTLB_REG, DMA_IOTLB_IVT | 1ull << DMA_IOTLB_IIRG_SHIFT, 8);
		race_gen = 0;
		race_stop = 0;
		assert_int_equal(pthread_create(&t, NULL, device_thread, NULL), 0);
		usleep(200);
		/* Revoke 0x200000 (or map it anew) while the device keeps translating. */
		put64(f, PT + 8 * 1, (old ^ 0x100000) | 3);
		set_reg(f, DMAR_IOTLB_REG, DMA_IOTLB_IVT | 1ull << DMA_IOTLB_IIRG_SHIFT, 8);
		__atomic_store_n(&race_gen, round & 1 ? 0 : 1, __ATOMIC_RELEASE);
		usleep(200);
		race_stop = 1;
		pthread_join(t, NULL);
	}
	assert_int_equal(race_stale, 0);
	assert_true(race_new > 0);
	vtd_stats(&f->v, &st);
	assert_true(st.iotlb_hits > st.iotlb_misses);
}

/* Queued invalidation: an IOTLB descriptor, then a wait with status write and interrupt. */
static void test_queued_invalidation(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 1, status = 0;

	enable(f);
	set_reg(f, DMAR_IQA_REG, QUEUE, 8);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_TE | DMA_GCMD_QIE, 4);
	assert_true(reg(f, DMAR_GSTS_REG, 4) & DMA_GSTS_QIES);
	set_reg(f, DMAR_IEDATA_REG, 0x46, 4);
	set_reg(f, DMAR_IECTL_REG, 0, 4);
	assert_int_equal(dma_write(&f->ds, 0x1000, &word, 4), 0);
	put64(f, PT + 8 * 1, 0);
	put64(f, QUEUE, VTD_INV_DESC_IOTLB | DMA_GRAN_GLOBAL << 4);
	put64(f, QUEUE + 8, 0);
	put64(f, QUEUE + 16, VTD_INV_DESC_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_IF |
			     0xabcdull << 32);
	put64(f, QUEUE + 24, STATUS);
	set_reg(f, DMAR_IQT_REG, 32, 8);
	assert_int_equal(reg(f, DMAR_IQH_REG, 8), 32);
	gm_read(&f->gm, STATUS, &status, 4);
	assert_int_equal(status, 0xabcd);
	assert_int_equal(reg(f, DMAR_ICS_REG, 4) & DMA_ICS_IWC, DMA_ICS_IWC);
	assert_int_equal(f->last_data, 0x46);
	assert_int_equal(dma_write(&f->ds, 0x1000, &word, 4), -1);

	/* A bad descriptor stops the queue with IQE and IQH on it. */
	put64(f, QUEUE + 32, 0xf);
	put64(f, QUEUE + 40, 0);
	set_reg(f, DMAR_IQT_REG, 48, 8);
	assert_true(reg(f, DMAR_FSTS_REG, 4) & DMA_FSTS_IQE);
	assert_int_equal(reg(f, DMAR_IQH_REG, 8), 32);
}

/* A tail past the end of the queue would never be reached: IQE, and the head stays put. */
static void test_queue_tail_beyond_queue(void **state)
{
	struct fixture *f = *state;
	unsigned i;

	enable(f);
	set_reg(f, DMAR_IQA_REG, QUEUE, 8);	/* QS 0: one 4 KiB page, 256 descriptors */
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_TE | DMA_GCMD_QIE, 4);
	for (i = 0; i < 256; i++) {
		put64(f, QUEUE + 16 * i, VTD_INV_DESC_CC | DMA_GRAN_GLOBAL << 4);
		put64(f, QUEUE + 16 * i + 8, 0);
	}
	set_reg(f, DMAR_IQT_REG, 4096 + 16, 8);
	assert_true(reg(f, DMAR_FSTS_REG, 4) & DMA_FSTS_IQE);
	assert_int_equal(reg(f, DMAR_IQH_REG, 8), 0);
}

/* Hostile tables: out-of-RAM pointers, reserved bits, bad context programming. */
static void test_hostile_tables(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 0;

	enable(f);
	put64(f, PD + 8 * 3, (uint64_t)MEM * 4 | 3);	/* points past RAM */
	assert_int_equal(dma_read(&f->ds, 3ull << 21, &word, 4), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 8, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_PAGING_ENTRY_INVALID);
	put64(f, PML4 + 8, PDPT | 3 | VTD_SL_PS);	/* PS at the top level is reserved */
	assert_int_equal(dma_read(&f->ds, 1ull << 39, &word, 4), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 24, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_PAGING_ENTRY_RSVD);
	assert_int_equal(dma_read(&f->ds, 1ull << 48, &word, 4), -1);	/* beyond 48 bits */
	assert_int_equal((reg(f, DMAR_FRCD_REG + 40, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_ADDR_BEYOND_AW);
	/*
	 * A table pointing at itself cannot loop: the walk has four levels, and
	 * reads the tables as whatever level they land on (here PD[0] as a PTE).
	 */
	put64(f, PDPT + 8 * 5, PDPT | 3);
	assert_int_equal(dma_read(&f->ds, (5ull << 30) + 8, &word, 4), 0);
	assert_int_equal(word, 0x200000 | 3);	/* PT[1], read through the page PT */
}

static void test_context_faults(void **state)
{
	struct fixture *f = *state;
	struct dma_space other;
	uint32_t word = 0;

	enable(f);
	dma_space_init(&other, &f->gm, &f->xlate, 0x0020);	/* 00:04.0: no context entry */
	assert_int_equal(dma_read(&other, 0x1000, &word, 4), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 8, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_CTX_NOT_PRESENT);
	/* Pass-through contexts address guest memory directly. */
	put64(f, CTX + 16 * 0x20, VTD_CTX_P | VTD_CTX_TT_PASS_THROUGH << VTD_CTX_TT_SHIFT);
	put64(f, CTX + 16 * 0x20 + 8, 2 | 9 << VTD_CTX_DID_SHIFT);
	set_reg(f, DMAR_CCMD_REG, DMA_CCMD_ICC | (uint64_t)DMA_GRAN_GLOBAL << DMA_CCMD_CIRG_SHIFT, 8);
	assert_int_equal(dma_read(&other, 0x1000, &word, 4), 0);
}

#define IRT 0x108000

static void irte(struct fixture *f, unsigned i, uint64_t lo, uint64_t hi)
{
	put64(f, IRT + 16 * i, lo);
	put64(f, IRT + 16 * i + 8, hi);
}

static void enable_ir(struct fixture *f, uint64_t irta_flags, uint32_t extra)
{
	set_reg(f, DMAR_IRTA_REG, IRT | irta_flags, 8);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_SIRTP, 4);
	assert_true(reg(f, DMAR_GSTS_REG, 4) & DMA_GSTS_IRTPS);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_IRE | extra, 4);
	assert_true(reg(f, DMAR_GSTS_REG, 4) & DMA_GSTS_IRES);
}

static uint64_t remappable(unsigned handle)
{
	return 0xfee00000u | (handle & 0x7fff) << 5 | VTD_MSI_ADDR_IF | (handle >> 15) << 2;
}

static void test_interrupt_remapping(void **state)
{
	struct fixture *f = *state;
	struct vtd_msi_msg m;

	/* IRTE 3: vector 0x51, fixed, physical, level, xAPIC destination 2; SID checked. */
	irte(f, 3, VTD_IRTE_P | VTD_IRTE_TM | 0x51ull << VTD_IRTE_VECTOR_SHIFT | 2ull << 40,
	     SID | 1ull << 18);
	enable_ir(f, 7, 0);	/* 256 entries */
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(3), 0, &m, true), 0);
	assert_int_equal(m.addr, 0xfee02000);
	assert_int_equal(m.data, 0x51 | 3 << 14);
	/* The wrong requester is refused. */
	assert_int_equal(vtd_remap_msi(&f->v, 0x0020, remappable(3), 0, &m, true), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 8, 8) >> DMA_FRCD_FR_SHIFT) & 0xff, VTD_FR_IR_SID_ERR);
	/* A missing entry faults with its index in the fault info. */
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(4), 0, &m, true), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 24, 8) >> DMA_FRCD_FR_SHIFT) & 0xff, VTD_FR_IR_ENTRY_P);
	assert_int_equal(reg(f, DMAR_FRCD_REG + 16, 8) >> 48, 4);
	/* Beyond the table's 256 entries. */
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(300), 0, &m, true), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 40, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_IR_INDEX_OVER);
	/* A preview records nothing. */
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(5), 0, &m, false), -1);
	assert_false(reg(f, DMAR_FRCD_REG + 56, 8) & DMA_FRCD_F);
	/* Compatibility format is blocked unless CFI is on. */
	assert_int_equal(vtd_remap_msi(&f->v, SID, 0xfee00000, 0x30, &m, true), -1);
	set_reg(f, DMAR_GCMD_REG, DMA_GCMD_IRE | DMA_GCMD_CFI, 4);
	assert_int_equal(vtd_remap_msi(&f->v, SID, 0xfee00000, 0x30, &m, true), 0);
	assert_int_equal(m.data, 0x30);
}

static void test_interrupt_remapping_x2apic(void **state)
{
	struct fixture *f = *state;
	struct vtd_msi_msg m;

	irte(f, 9, VTD_IRTE_P | 0x61ull << VTD_IRTE_VECTOR_SHIFT | 5ull << 32, 0);
	enable_ir(f, 7 | DMA_IRTA_EIME, DMA_GCMD_CFI);
	/* Subhandle: handle 8 plus data 1 is entry 9. */
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(8) | VTD_MSI_ADDR_SHV, 1, &m, true), 0);
	assert_int_equal(m.addr, 0xfee05000);
	assert_int_equal(m.data, 0x61);
	/* In x2APIC mode compatibility format is blocked even with CFI (5.1.2.1). */
	assert_int_equal(vtd_remap_msi(&f->v, SID, 0xfee00000, 0x30, &m, true), -1);
	/* Reserved bits in the IRTE. */
	irte(f, 10, VTD_IRTE_P | 1ull << 12, 0);
	assert_int_equal(vtd_remap_msi(&f->v, SID, remappable(10), 0, &m, true), -1);
	assert_int_equal((reg(f, DMAR_FRCD_REG + 24, 8) >> DMA_FRCD_FR_SHIFT) & 0xff,
			 VTD_FR_IR_IRTE_RSVD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_until_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_iov_merges_adjacent_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_event_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_invalidation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_hits_respect_invalidation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queued_invalidation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_tail_beyond_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_remapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_remapping_x2apic, setup, teardown),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
