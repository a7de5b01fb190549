/* The VT-d targets' fixture: guest RAM, an I/O bus, and the unit on it. */
#ifndef VESSEL_FUZZ_VTD_H
#define VESSEL_FUZZ_VTD_H

#include "fuzz_common.h"
#include "iommu/vtd.h"

struct vtd_fixture {
	struct guest_mem gm;
	struct io_bus bus;
	struct vtd v;
};

/* Interrupts the unit raises (fault events) go nowhere. */
static inline void fuzz_vtd_msi(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static inline void fuzz_vtd_fixture(struct vtd_fixture *f, uint64_t mem, bool caching_mode)
{
	struct vtd_msi_sink s = { fuzz_vtd_msi, NULL };

	fuzz_guest_mem(&f->gm, mem);
	io_bus_init(&f->bus);
	vtd_init(&f->v, &f->gm, &s, caching_mode);
	if (vtd_attach(&f->v, &f->bus))
		abort();
}

/* Back to power-on for the next input, still on the bus. */
static inline void fuzz_vtd_reset(struct vtd_fixture *f, bool caching_mode)
{
	struct vtd_msi_sink s = { fuzz_vtd_msi, NULL };

	vtd_destroy(&f->v);
	vtd_init(&f->v, &f->gm, &s, caching_mode);
}

/* A guest's register write. */
static inline void fuzz_vtd_write(struct vtd_fixture *f, unsigned off, uint64_t val, unsigned len)
{
	io_bus_access(&f->bus, VTD_BASE_ADDR + off, &val, len, true);
}

#endif
