/*
 * libFuzzer target: everything a guest hands the VT-d unit is hostile — root,
 * context and page tables, and invalidation descriptors. The input fills
 * guest memory; the first bytes choose register values and DMA addresses.
 */
#include "fuzz_vtd.h"

#include <stdlib.h>
#include <string.h>

#define MEM	(256 * 1024)
#define HDR	32

static struct vtd_fixture f;
static struct dma_translator xlate;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_vtd_fixture(&f, MEM, true);
	vtd_translator(&f.v, &xlate);
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
	memset(f.gm.regions[0].hva, 0, MEM);
	memcpy(f.gm.regions[0].hva, data + HDR, size - HDR < MEM ? size - HDR : MEM);
	fuzz_vtd_reset(&f, h[3] & 1);
	fuzz_vtd_write(&f, DMAR_RTADDR_REG, h[0] % MEM, 8);
	fuzz_vtd_write(&f, DMAR_GCMD_REG, DMA_GCMD_SRTP, 4);
	fuzz_vtd_write(&f, DMAR_GCMD_REG, DMA_GCMD_TE, 4);
	fuzz_vtd_write(&f, DMAR_IQA_REG, h[1] % MEM, 8);
	fuzz_vtd_write(&f, DMAR_GCMD_REG, DMA_GCMD_TE | DMA_GCMD_QIE, 4);
	for (i = 0; i < 4; i++) {
		uint64_t iova = (h[2] >> (16 * i)) & 0xffff, gpa = 0, contig = 0;
		bool write = (h[3] >> i) & 1;

		iova = (iova << 12) | (h[3] & 0xfff);
		if (xlate.translate(&f.v, (uint16_t)(h[3] >> 16), iova, 4096, write, &gpa, &contig) == 0 &&
		    (contig == 0 || contig > 4096))
			abort();
	}
	fuzz_vtd_write(&f, DMAR_IQT_REG, (h[1] >> 32) & 0x7fff0, 8);
	return 0;
}
