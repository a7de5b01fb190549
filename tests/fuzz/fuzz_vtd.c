/*
 * libFuzzer target: everything a guest hands the VT-d unit is hostile — root,
 * context and page tables, and invalidation descriptors. The input fills
 * guest memory; the first bytes choose register values and DMA addresses.
 */
#include "core/log.h"
#include "iommu/vtd.h"

#include <stdlib.h>
#include <string.h>

#define MEM	(256 * 1024)
#define HDR	32

static struct guest_mem gm;
static struct io_bus bus;
static struct vtd v;
static struct dma_translator xlate;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static void wr(unsigned off, uint64_t val, unsigned len)
{
	io_bus_access(&bus, VTD_BASE_ADDR + off, &val, len, true);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct guest_mem_range r = { 0, MEM };
	struct vtd_msi_sink s = { sink, NULL };

	(void)argc;
	(void)argv;
	log_set_quiet(true);
	if (guest_mem_init(&gm, &r, 1, GUEST_MEM_ANON, NULL))
		abort();
	io_bus_init(&bus);
	vtd_init(&v, &gm, &s, true);
	if (vtd_attach(&v, &bus))
		abort();
	vtd_translator(&v, &xlate);
	return 0;
}

/* Header: root table address, a queue (address, tail), four DMA addresses and a SID. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h[4];
	unsigned i;

	if (size < HDR)
		return 0;
	memcpy(h, data, HDR);
	memset(gm.regions[0].hva, 0, MEM);
	memcpy(gm.regions[0].hva, data + HDR, size - HDR < MEM ? size - HDR : MEM);
	vtd_destroy(&v);
	vtd_init(&v, &gm, &(struct vtd_msi_sink){ sink, NULL }, h[3] & 1);
	wr(DMAR_RTADDR_REG, h[0] % MEM, 8);
	wr(DMAR_GCMD_REG, DMA_GCMD_SRTP, 4);
	wr(DMAR_GCMD_REG, DMA_GCMD_TE, 4);
	wr(DMAR_IQA_REG, h[1] % MEM, 8);
	wr(DMAR_GCMD_REG, DMA_GCMD_TE | DMA_GCMD_QIE, 4);
	for (i = 0; i < 4; i++) {
		uint64_t iova = (h[2] >> (16 * i)) & 0xffff, gpa = 0, contig = 0;
		bool write = (h[3] >> i) & 1;

		iova = (iova << 12) | (h[3] & 0xfff);
		if (xlate.translate(&v, (uint16_t)(h[3] >> 16), iova, 4096, write, &gpa, &contig) == 0 &&
		    (contig == 0 || contig > 4096))
			abort();
	}
	wr(DMAR_IQT_REG, (h[1] >> 32) & 0x7fff0, 8);
	return 0;
}
