#include "core/dma.h"

#include <string.h>

void dma_space_init(struct dma_space *ds, const struct guest_mem *mem,
		    const struct dma_translator *xlate, uint16_t requester)
{
	ds->mem = mem;
	ds->xlate = xlate;
	ds->requester = requester;
}

int dma_map_iov(const struct dma_space *ds, uint64_t addr, uint64_t len, bool write,
		struct iovec *iov, unsigned max)
{
	unsigned n = 0;

	if (addr + len < addr)
		return -1;
	while (len) {
		uint64_t gpa = addr, contig = len;
		void *p;

		if (ds->xlate && ds->xlate->translate(ds->xlate->opaque, ds->requester, addr, len,
						      write, &gpa, &contig))
			return -1;
		if (contig > len)
			contig = len;
		p = gm_ptr(ds->mem, gpa, contig);
		if (!p)
			return -1;
		/* IOVA pages that map to adjacent memory make one buffer for the host's I/O. */
		if (n && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == (uint8_t *)p) {
			iov[n - 1].iov_len += contig;
		} else {
			if (n == max)
				return -1;
			iov[n].iov_base = p;
			iov[n].iov_len = contig;
			n++;
		}
		addr += contig;
		len -= contig;
	}
	return (int)n;
}

void dma_mark_written(const struct dma_space *ds, const struct iovec *iov, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		gm_mark_dirty_hva(ds->mem, iov[i].iov_base, iov[i].iov_len);
}

#define DMA_COPY_IOV 16

static int copy(const struct dma_space *ds, uint64_t addr, void *buf, uint64_t len, bool write)
{
	uint8_t *p = buf;

	while (len) {
		struct iovec iov[DMA_COPY_IOV];
		uint64_t chunk = len;
		int n, i;

		/* Whole pages at a time keep the iovec count bounded under an IOMMU. */
		if (ds->xlate && chunk > DMA_COPY_IOV * 4096ull)
			chunk = DMA_COPY_IOV * 4096ull;
		n = dma_map_iov(ds, addr, chunk, write, iov, DMA_COPY_IOV);
		if (n < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (write)
				memcpy(iov[i].iov_base, p, iov[i].iov_len);
			else
				memcpy(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
		if (write)
			dma_mark_written(ds, iov, (unsigned)n);
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

int dma_read(const struct dma_space *ds, uint64_t addr, void *buf, uint64_t len)
{
	return copy(ds, addr, buf, len, false);
}

int dma_write(const struct dma_space *ds, uint64_t addr, const void *buf, uint64_t len)
{
	return copy(ds, addr, (void *)buf, len, true);
}

/* An aligned 16-bit field lies in one page, so it maps to one host pointer. */
static uint16_t *field16(const struct dma_space *ds, uint64_t addr, bool write)
{
	struct iovec iov;

	if ((addr & 1) || dma_map_iov(ds, addr, 2, write, &iov, 1) != 1)
		return NULL;
	return iov.iov_base;
}

int dma_read16(const struct dma_space *ds, uint64_t addr, uint16_t *v)
{
	uint16_t *p = field16(ds, addr, false);

	if (!p)
		return -1;
	*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

int dma_write16(const struct dma_space *ds, uint64_t addr, uint16_t v)
{
	uint16_t *p = field16(ds, addr, true);

	if (!p)
		return -1;
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
	gm_mark_dirty_hva(ds->mem, p, sizeof(*p));
	return 0;
}
