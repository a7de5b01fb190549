/*
 * libFuzzer target: VT-d interrupt remapping (chapter 5). The guest programs
 * the IRTE table's address and size and fills the table; devices then send
 * MSIs in any format, and blocked ones are recorded as faults. The header
 * chooses the table address and the commands, then come the requests; the
 * rest of the input is the guest memory that holds the table.
 */
#include "fuzz_vtd.h"

#include <stdlib.h>
#include <string.h>

#define MEM	(64 * 1024)
#define HDR	12
#define REQ	12
#define MAX_REQS 32

static struct vtd_fixture f;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_vtd_fixture(&f, MEM, false);
	return 0;
}

/*
 * Header: IRTA (8 bytes; its table address is folded into guest memory unless
 * bit 0 of byte 9 says keep it), the number of requests, flags (bit 1: IRE,
 * bit 2: CFI, bit 3: fault events unmasked), two spare bytes. A request: source
 * id (2), flags (1: bit 0 records faults, bit 1 clears the fault status first),
 * a spare byte, the MSI address's low 32 bits and the data.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t irta;
	unsigned n, i;
	size_t used;

	if (size < HDR)
		return 0;
	memcpy(&irta, data, 8);
	n = data[8] % (MAX_REQS + 1);
	used = HDR + (size_t)n * REQ;
	if (used > size)
		return 0;
	if (!(data[9] & 1))
		irta = (irta & 0xfffull) | ((irta >> 12) % (MEM / 4096)) << 12;
	memset(f.gm.regions[0].hva, 0, MEM);
	memcpy(f.gm.regions[0].hva + (irta & ~0xfffull) % MEM, data + used,
	       size - used < MEM - (irta & ~0xfffull) % MEM ? size - used :
							   MEM - (irta & ~0xfffull) % MEM);
	fuzz_vtd_reset(&f, false);
	fuzz_vtd_write(&f, DMAR_FECTL_REG, data[9] & 8 ? 0 : DMA_FECTL_IM, 4);
	fuzz_vtd_write(&f, DMAR_IRTA_REG, irta, 8);
	fuzz_vtd_write(&f, DMAR_GCMD_REG, DMA_GCMD_SIRTP, 4);
	fuzz_vtd_write(&f, DMAR_GCMD_REG, (data[9] & 2 ? DMA_GCMD_IRE : 0) | (data[9] & 4 ? DMA_GCMD_CFI : 0), 4);
	for (i = 0; i < n; i++) {
		const uint8_t *r = data + HDR + (size_t)i * REQ;
		struct vtd_msi_msg out;
		uint32_t addr, msi;
		uint16_t sid;

		memcpy(&sid, r, 2);
		memcpy(&addr, r + 4, 4);
		memcpy(&msi, r + 8, 4);
		if (r[2] & 2)
			fuzz_vtd_write(&f, DMAR_FSTS_REG, ~0u, 4);
		if (vtd_remap_msi(&f.v, sid, addr, msi, &out, r[2] & 1) == 0 &&
		    (out.addr & ~0xfffffull) != 0xfee00000u && out.addr != addr)
			abort();	/* a remapped message goes to the interrupt window */
	}
	return 0;
}
