/*
 * A device's view of memory for DMA: guest RAM as the device addresses it.
 * Without an IOMMU this is the identity over guest RAM; with one, addresses
 * are IO virtual addresses translated for the requester. Devices use only this.
 */
#ifndef VESSEL_CORE_DMA_H
#define VESSEL_CORE_DMA_H

#include "core/guest_mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct dma_space;

struct dma_translator {
	/*
	 * Translate [iova, iova+len) for a read or a write by @requester; returns
	 * the guest-physical address and how many bytes from there are contiguous,
	 * or -1 on a fault (which the translator records).
	 */
	int (*translate)(void *opaque, uint16_t requester, uint64_t iova, uint64_t len,
			 bool write, uint64_t *gpa, uint64_t *contig);
	void *opaque;
};

struct dma_space {
	const struct guest_mem *mem;
	const struct dma_translator *xlate;	/* NULL: identity */
	uint16_t requester;			/* bus << 8 | devfn */
};

void dma_space_init(struct dma_space *ds, const struct guest_mem *mem,
		    const struct dma_translator *xlate, uint16_t requester);

int dma_read(const struct dma_space *ds, uint64_t addr, void *buf, uint64_t len);
int dma_write(const struct dma_space *ds, uint64_t addr, const void *buf, uint64_t len);

/*
 * One naturally aligned 16-bit access, never torn: for the ring indices and
 * flags a driver updates while the device reads them (memcpy may read a
 * 2-byte field a byte at a time). -1 on a fault or a misaligned address.
 */
int dma_read16(const struct dma_space *ds, uint64_t addr, uint16_t *v);
int dma_write16(const struct dma_space *ds, uint64_t addr, uint16_t v);

/*
 * Host iovecs for [addr, addr+len): at most @max entries. Returns the number
 * used, or -1 if the range faults or needs more entries. A device that writes
 * through them calls dma_mark_written once the data is in (dma_write and
 * dma_write16 do it themselves), so the dirty log sees what the VMM wrote.
 */
int dma_map_iov(const struct dma_space *ds, uint64_t addr, uint64_t len, bool write,
		struct iovec *iov, unsigned max);
void dma_mark_written(const struct dma_space *ds, const struct iovec *iov, unsigned n);

#endif
