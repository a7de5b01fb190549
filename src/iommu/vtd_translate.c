/* DMA remapping: root and context entries, second-level page walk, IOTLB (chapter 3). */
#include "iommu/vtd.h"
#include "iommu/vtd_internal.h"

#include <string.h>

#define PAGE_SHIFT	12
#define LEVEL_BITS	9
#define ADDR_MASK	(((1ull << VTD_HAW) - 1) & ~0xfffull)
/* Bits that must be zero: root entry (9.1), context entry (9.3), legacy mode. */
#define ROOT_RSVD_LO	(0xffeull | ~((1ull << VTD_HAW) - 1))
#define CTX_RSVD_LO	(0xff0ull | ~((1ull << VTD_HAW) - 1))
#define CTX_RSVD_HI	(~0xffffffull | 0xf8ull)
#define SL_RSVD_ADDR	(((1ull << 52) - 1) & ~((1ull << VTD_HAW) - 1))

struct walk_result {
	uint64_t gpa;		/* the page's base */
	uint64_t mask;		/* page size - 1 */
	uint8_t perm;
};

static struct vtd_context *ctx_slot(struct vtd *v, uint16_t sid)
{
	return &v->ctx_cache[sid % VTD_CTX_CACHE_SIZE];
}

/* Read the root and context entries for @sid; returns 0 or a fault reason. */
static uint8_t load_context(struct vtd *v, uint16_t sid, struct vtd_context *c)
{
	uint64_t root[2], ctx[2];
	unsigned aw, tt;

	if (gm_read(v->mem, (v->rtaddr & ADDR_MASK) + 16ull * (sid >> 8), root, sizeof(root)))
		return VTD_FR_ROOT_TABLE_INVALID;
	if (!(root[0] & VTD_ROOT_P))
		return VTD_FR_ROOT_NOT_PRESENT;
	if ((root[0] & ROOT_RSVD_LO) || root[1])
		return VTD_FR_ROOT_RSVD;
	if (gm_read(v->mem, (root[0] & ADDR_MASK) + 16ull * (sid & 0xff), ctx, sizeof(ctx)))
		return VTD_FR_CTX_TABLE_INVALID;
	if (!(ctx[0] & VTD_CTX_P))
		return VTD_FR_CTX_NOT_PRESENT;
	if ((ctx[0] & CTX_RSVD_LO) || (ctx[1] & CTX_RSVD_HI))
		return VTD_FR_CTX_RSVD;
	tt = (ctx[0] >> VTD_CTX_TT_SHIFT) & 3;
	aw = ctx[1] & VTD_CTX_AW_MASK;
	/* Device-TLB translation is not offered (ECAP.DT = 0); AW must be a supported width. */
	if (tt == VTD_CTX_TT_DEV_IOTLB || tt == 3 ||
	    (tt == VTD_CTX_TT_MULTI_LEVEL && aw != 1 && aw != 2))
		return VTD_FR_CTX_INVALID;
	*c = (struct vtd_context){
		.valid = true, .sid = sid, .did = (uint16_t)(ctx[1] >> VTD_CTX_DID_SHIFT),
		.tt = (uint8_t)tt, .levels = (uint8_t)(aw + 2), .fpd = ctx[0] & VTD_CTX_FPD,
		.slptptr = ctx[0] & ADDR_MASK,
	};
	return 0;
}

/* Walk the second-level tables (3.6); bounded by the level count, so loops end. */
static uint8_t walk(struct vtd *v, const struct vtd_context *c, uint64_t iova, bool write,
		    struct walk_result *r)
{
	uint64_t table = c->slptptr, pte = 0;
	uint8_t perm = VTD_SL_R | VTD_SL_W;
	unsigned level;

	if (iova >> (PAGE_SHIFT + LEVEL_BITS * c->levels))
		return VTD_FR_ADDR_BEYOND_AW;
	for (level = c->levels; level >= 1; level--) {
		unsigned shift = PAGE_SHIFT + LEVEL_BITS * (level - 1);
		uint64_t idx = (iova >> shift) & ((1u << LEVEL_BITS) - 1);
		/* 512 GiB pages do not exist: PS is reserved at the top level of 4. */
		uint64_t rsvd = SL_RSVD_ADDR | (level == 4 ? VTD_SL_PS : 0);

		if (gm_read(v->mem, table + 8 * idx, &pte, sizeof(pte)))
			return VTD_FR_PAGING_ENTRY_INVALID;
		perm &= pte & (VTD_SL_R | VTD_SL_W);
		/* A missing right anywhere on the path denies the access (3.6.1). */
		if (!(perm & (write ? VTD_SL_W : VTD_SL_R)))
			return write ? VTD_FR_WRITE : VTD_FR_READ;
		if (pte & rsvd)
			return VTD_FR_PAGING_ENTRY_RSVD;
		if (level == 1 || (level <= 3 && (pte & VTD_SL_PS))) {
			r->mask = (1ull << shift) - 1;
			r->gpa = pte & ADDR_MASK & ~r->mask;
			r->perm = perm;
			return 0;
		}
		table = pte & ADDR_MASK;
	}
	return VTD_FR_PAGING_ENTRY_INVALID;
}

static unsigned iotlb_index(uint16_t did, uint64_t page)
{
	uint64_t h = (page ^ ((uint64_t)did << 20)) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(h >> 54) % VTD_IOTLB_SIZE;
}

static const uint64_t page_masks[] = { (1ull << 12) - 1, (1ull << 21) - 1, (1ull << 30) - 1 };

static struct vtd_iotlb_entry *iotlb_find(struct vtd *v, uint16_t did, uint64_t iova)
{
	unsigned i;

	for (i = 0; i < sizeof(page_masks) / sizeof(page_masks[0]); i++) {
		uint64_t base = iova & ~page_masks[i];
		struct vtd_iotlb_entry *e = &v->iotlb[iotlb_index(did, base >> 12)];

		if (e->valid && e->did == did && e->iova == base && e->mask == page_masks[i])
			return e;
	}
	return NULL;
}

static void iotlb_insert(struct vtd *v, uint16_t did, uint64_t iova, const struct walk_result *r)
{
	uint64_t base = iova & ~r->mask;

	v->iotlb[iotlb_index(did, base >> 12)] = (struct vtd_iotlb_entry){
		.valid = true, .did = did, .perm = r->perm, .iova = base, .mask = r->mask,
		.gpa = r->gpa,
	};
}

static void iotlb_drop(struct vtd_iotlb_entry *e, unsigned gran, uint16_t did, uint64_t first,
		       uint64_t last)
{
	if (!e->valid || (gran != DMA_GRAN_GLOBAL && e->did != did))
		return;
	if (gran == DMA_GRAN_PAGE && (e->iova > last || e->iova + e->mask < first))
		return;
	e->valid = false;
}

#define PSI_PROBE_PAGES	64	/* up to here, probe the slots a range can hash to */

void vtd_iotlb_invalidate(struct vtd *v, unsigned gran, uint16_t did, uint64_t addr, unsigned am)
{
	uint64_t first = addr & ~((1ull << (PAGE_SHIFT + am)) - 1);
	uint64_t last = first + (1ull << (PAGE_SHIFT + am)) - 1;
	unsigned i, s;

	if (gran != DMA_GRAN_PAGE || (1ull << am) > PSI_PROBE_PAGES) {
		for (i = 0; i < VTD_IOTLB_SIZE; i++)
			iotlb_drop(&v->iotlb[i], gran, did, first, last);
		return;
	}
	/* Each page of the range, and the large pages that may hold it. */
	for (i = 0; i < (1u << am); i++) {
		uint64_t page = first + ((uint64_t)i << PAGE_SHIFT);

		for (s = 0; s < sizeof(page_masks) / sizeof(page_masks[0]); s++) {
			uint64_t base = page & ~page_masks[s];

			iotlb_drop(&v->iotlb[iotlb_index(did, base >> 12)], gran, did, first, last);
		}
	}
}

void vtd_ctx_invalidate(struct vtd *v, unsigned gran, uint16_t did, uint16_t sid, unsigned fm)
{
	/* Function mask: ignore the low 1, 2 or 3 bits of the function number (10.4.7). */
	uint16_t mask = (uint16_t)~((1u << (fm ? fm : 0)) - 1);
	unsigned i;

	for (i = 0; i < VTD_CTX_CACHE_SIZE; i++) {
		struct vtd_context *c = &v->ctx_cache[i];

		if (gran == DMA_GRAN_DOMAIN && c->did != did)
			continue;
		if (gran == DMA_GRAN_PAGE && (c->sid & mask) != (sid & mask))
			continue;
		c->valid = false;
	}
}

static bool permits(uint8_t perm, bool write)
{
	return perm & (write ? VTD_SL_W : VTD_SL_R);
}

/* Where @iova lands in a page at @base of size @mask + 1, and how much of it follows. */
static void place(uint64_t base, uint64_t mask, uint64_t iova, uint64_t *gpa, uint64_t *size)
{
	*gpa = base | (iova & mask);
	*size = mask + 1 - (iova & mask);
}

static int translate_locked(struct vtd *v, uint16_t sid, uint64_t iova, bool write,
			    uint64_t *gpa, uint64_t *size)
{
	struct vtd_context *c = ctx_slot(v, sid);
	struct vtd_iotlb_entry *e;
	struct walk_result r;
	uint8_t fault;

	if (!c->valid || c->sid != sid) {
		struct vtd_context fresh;

		fault = load_context(v, sid, &fresh);
		if (fault) {
			vtd_fault(v, sid, fault, iova, write);
			return -1;
		}
		*c = fresh;
	}
	if (c->tt == VTD_CTX_TT_PASS_THROUGH) {
		*gpa = iova;
		*size = ~0ull;
		return 0;
	}
	e = iotlb_find(v, c->did, iova);
	if (e) {
		__atomic_fetch_add(&v->stats.iotlb_hits, 1, __ATOMIC_RELAXED);
		r = (struct walk_result){ e->gpa, e->mask, e->perm };
	} else {
		__atomic_fetch_add(&v->stats.iotlb_misses, 1, __ATOMIC_RELAXED);
		fault = walk(v, c, iova, write, &r);
		if (fault) {
			if (!c->fpd)
				vtd_fault(v, sid, fault, iova, write);
			return -1;
		}
		iotlb_insert(v, c->did, iova, &r);
	}
	if (!permits(r.perm, write)) {
		if (!c->fpd)
			vtd_fault(v, sid, write ? VTD_FR_WRITE : VTD_FR_READ, iova, write);
		return -1;
	}
	place(r.gpa, r.mask, iova, gpa, size);
	return 0;
}

/*
 * An IOTLB hit without the lock, read as a seqcount reader: false when a
 * writer was at work, or when only the locked path can answer (a miss, no
 * cached context, a permission fault).
 */
static bool translate_cached(struct vtd *v, uint16_t sid, uint64_t iova, bool write,
			     uint64_t *gpa, uint64_t *size)
{
	unsigned seq = __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE);
	struct vtd_iotlb_entry hit = { 0 };
	const struct vtd_iotlb_entry *e;
	struct vtd_context c;
	uint32_t gsts;

	if (seq & 1)
		return false;
	/* Plain reads that may race a writer: used only if seq did not move. */
	gsts = v->gsts;
	c = *ctx_slot(v, sid);
	e = c.valid && c.sid == sid ? iotlb_find(v, c.did, iova) : NULL;
	if (e)
		hit = *e;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&v->seq, __ATOMIC_RELAXED) != seq || !(gsts & DMA_GSTS_TES))
		return false;
	/* A found entry means the context was valid and @sid's. */
	if (!e || c.tt == VTD_CTX_TT_PASS_THROUGH || !permits(hit.perm, write))
		return false;
	__atomic_fetch_add(&v->stats.iotlb_hits, 1, __ATOMIC_RELAXED);
	place(hit.gpa, hit.mask, iova, gpa, size);
	return true;
}

static int vtd_translate(void *opaque, uint16_t sid, uint64_t iova, uint64_t len, bool write,
			 uint64_t *gpa, uint64_t *contig)
{
	struct vtd *v = opaque;
	uint64_t size = 0;
	int r = 0;

	if (!translate_cached(v, sid, iova, write, gpa, &size)) {
		vtd_lock(v);
		if (!(v->gsts & DMA_GSTS_TES)) {
			*gpa = iova;	/* translation off: device addresses are guest-physical */
			size = len;
		} else {
			r = translate_locked(v, sid, iova, write, gpa, &size);
		}
		vtd_unlock(v);
	}
	*contig = size < len ? size : len;
	return r;
}

void vtd_translator(struct vtd *v, struct dma_translator *t)
{
	t->translate = vtd_translate;
	t->opaque = v;
}
