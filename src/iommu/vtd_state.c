/*
 * The VT-d unit as a registry device ("vtd"): reset, its counters, and a
 * record of every register the guest programmed. The IOTLB and the context
 * cache are caches: a restore drops them, and remapped interrupts are looked
 * up again through the listener, whatever order the records come in.
 */
#include "iommu/vtd.h"
#include "iommu/vtd_internal.h"

#include <string.h>

#define GSTS_BITS	(DMA_GSTS_TES | DMA_GSTS_RTPS | DMA_GSTS_QIES | DMA_GSTS_IRES | \
			 DMA_GSTS_IRTPS | DMA_GSTS_CFIS)
#define FSTS_BITS	(DMA_FSTS_PFO | DMA_FSTS_PPF | DMA_FSTS_IQE | DMA_FSTS_ICE | \
			 DMA_FSTS_ITE | 0xffu << DMA_FSTS_FRI_SHIFT)
#define EVENT_CTL_BITS	(DMA_FECTL_IM | DMA_FECTL_IP)
/* What vtd_fault writes in a record's high quadword: source, reason, type, F. */
#define FRCD_HI_BITS	(0xffffull | 0xffull << DMA_FRCD_FR_SHIFT | DMA_FRCD_T | DMA_FRCD_F)
#define IQ_OFF_MASK	0x7fff0ull

/* The registers a record holds, in its order. */
struct vtd_regs_saved {
	uint64_t cap, ecap;
	uint32_t gsts;
	uint64_t rtaddr_reg, rtaddr, ccmd, iotlb_reg, iva;
	uint32_t fsts, fectl, fedata, feaddr, feuaddr;
	uint64_t frcd[DMAR_NR_FRCD][2];
	uint8_t fri;
	uint64_t iqa, iqh, iqt, irta_reg, irta;
	uint32_t ics, iectl, iedata, ieaddr, ieuaddr;
};

static void drop_caches(struct vtd *v)
{
	vtd_ctx_invalidate(v, DMA_GRAN_GLOBAL, 0, 0, 0);
	vtd_iotlb_invalidate(v, DMA_GRAN_GLOBAL, 0, 0, 0);
}

static void changed(struct vtd *v)
{
	if (v->ir_listener)
		v->ir_listener(v->ir_opaque);
}

/* Power-on: every programmed register cleared, the capabilities kept. */
static void vtd_reset(void *dev)
{
	struct vtd *v = dev;

	vtd_lock(v);
	v->gsts = 0;
	v->rtaddr_reg = v->rtaddr = v->ccmd = v->iotlb_reg = v->iva = 0;
	v->fsts = v->fectl = v->fedata = v->feaddr = v->feuaddr = 0;
	memset(v->frcd, 0, sizeof(v->frcd));
	v->fri = 0;
	v->iqa = v->iqh = v->iqt = v->irta_reg = v->irta = 0;
	v->ics = v->iectl = v->iedata = v->ieaddr = v->ieuaddr = 0;
	drop_caches(v);
	vtd_unlock(v);
	changed(v);
}

static int vtd_save(void *dev, struct state_writer *w)
{
	struct vtd *v = dev;
	unsigned i;

	vtd_lock(v);
	state_put_u64(w, v->cap);
	state_put_u64(w, v->ecap);
	state_put_u32(w, v->gsts);
	state_put_u64(w, v->rtaddr_reg);
	state_put_u64(w, v->rtaddr);
	state_put_u64(w, v->ccmd);
	state_put_u64(w, v->iotlb_reg);
	state_put_u64(w, v->iva);
	state_put_u32(w, v->fsts);
	state_put_u32(w, v->fectl);
	state_put_u32(w, v->fedata);
	state_put_u32(w, v->feaddr);
	state_put_u32(w, v->feuaddr);
	for (i = 0; i < DMAR_NR_FRCD; i++) {
		state_put_u64(w, v->frcd[i][0]);
		state_put_u64(w, v->frcd[i][1]);
	}
	state_put_u8(w, (uint8_t)v->fri);
	state_put_u64(w, v->iqa);
	state_put_u64(w, v->iqh);
	state_put_u64(w, v->iqt);
	state_put_u64(w, v->irta_reg);
	state_put_u64(w, v->irta);
	state_put_u32(w, v->ics);
	state_put_u32(w, v->iectl);
	state_put_u32(w, v->iedata);
	state_put_u32(w, v->ieaddr);
	state_put_u32(w, v->ieuaddr);
	vtd_unlock(v);
	return 0;
}

static void load(struct state_reader *r, struct vtd_regs_saved *s)
{
	unsigned i;

	s->cap = state_get_u64(r);
	s->ecap = state_get_u64(r);
	s->gsts = state_get_u32(r);
	s->rtaddr_reg = state_get_u64(r);
	s->rtaddr = state_get_u64(r);
	s->ccmd = state_get_u64(r);
	s->iotlb_reg = state_get_u64(r);
	s->iva = state_get_u64(r);
	s->fsts = state_get_u32(r);
	s->fectl = state_get_u32(r);
	s->fedata = state_get_u32(r);
	s->feaddr = state_get_u32(r);
	s->feuaddr = state_get_u32(r);
	for (i = 0; i < DMAR_NR_FRCD; i++) {
		s->frcd[i][0] = state_get_u64(r);
		s->frcd[i][1] = state_get_u64(r);
	}
	s->fri = state_get_u8(r);
	s->iqa = state_get_u64(r);
	s->iqh = state_get_u64(r);
	s->iqt = state_get_u64(r);
	s->irta_reg = state_get_u64(r);
	s->irta = state_get_u64(r);
	s->ics = state_get_u32(r);
	s->iectl = state_get_u32(r);
	s->iedata = state_get_u32(r);
	s->ieaddr = state_get_u32(r);
	s->ieuaddr = state_get_u32(r);
}

/* The fault records: as vtd_fault writes them, PPF saying whether one is pending. */
static const char *check_faults(const struct vtd_regs_saved *s)
{
	bool pending = false;
	unsigned i;

	if (s->fri >= DMAR_NR_FRCD || ((s->fsts >> DMA_FSTS_FRI_SHIFT) & 0xff) >= DMAR_NR_FRCD)
		return "fault record index";
	for (i = 0; i < DMAR_NR_FRCD; i++) {
		if ((s->frcd[i][0] & 0xfff) || (s->frcd[i][1] & ~FRCD_HI_BITS))
			return "fault record";
		pending |= !!(s->frcd[i][1] & DMA_FRCD_F);
	}
	return pending == !!(s->fsts & DMA_FSTS_PPF) ? NULL : "primary pending fault status";
}

/* Each register holds only what a guest's writes can put there (11.4). */
static const char *check(const struct vtd *v, const struct vtd_regs_saved *s)
{
	uint64_t iq_bytes = 4096ull << (s->iqa & DMA_IQA_QS_MASK);

	if (s->cap != v->cap || s->ecap != v->ecap)
		return "capabilities (caching mode?) differ from this unit's";
	if (s->gsts & ~GSTS_BITS)
		return "global status";
	if ((s->rtaddr_reg | s->rtaddr) & 0x3ff)
		return "root table address";
	if ((s->irta_reg | s->irta) & 0x7f0)
		return "interrupt remapping table address";
	if (s->fsts & ~FSTS_BITS)
		return "fault status";
	if (((s->fectl | s->iectl) & ~EVENT_CTL_BITS) || ((s->feaddr | s->ieaddr) & 3))
		return "event control or address";
	if (s->ics & ~DMA_ICS_IWC)
		return "invalidation completion status";
	if ((s->iqa & 0x7f8) || (s->iqh & ~IQ_OFF_MASK) || (s->iqt & ~IQ_OFF_MASK) ||
	    s->iqh >= iq_bytes || s->iqt >= iq_bytes)
		return "invalidation queue address, head or tail";
	if (s->iva & 0xf80)
		return "invalidate address";
	return check_faults(s);
}

static void apply(struct vtd *v, const struct vtd_regs_saved *s)
{
	v->gsts = s->gsts;
	v->rtaddr_reg = s->rtaddr_reg;
	v->rtaddr = s->rtaddr;
	v->ccmd = s->ccmd;
	v->iotlb_reg = s->iotlb_reg;
	v->iva = s->iva;
	v->fsts = s->fsts;
	v->fectl = s->fectl;
	v->fedata = s->fedata;
	v->feaddr = s->feaddr;
	v->feuaddr = s->feuaddr;
	memcpy(v->frcd, s->frcd, sizeof(v->frcd));
	v->fri = s->fri;
	v->iqa = s->iqa;
	v->iqh = s->iqh;
	v->iqt = s->iqt;
	v->irta_reg = s->irta_reg;
	v->irta = s->irta;
	v->ics = s->ics;
	v->iectl = s->iectl;
	v->iedata = s->iedata;
	v->ieaddr = s->ieaddr;
	v->ieuaddr = s->ieuaddr;
}

static int vtd_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct vtd *v = dev;
	struct vtd_regs_saved s;
	const char *why;

	(void)version;
	load(r, &s);
	if (state_reader_done(r))
		return -1;
	why = check(v, &s);
	if (why) {
		state_invalid(r, "VT-d: %s", why);
		return -1;
	}
	vtd_lock(v);
	apply(v, &s);
	drop_caches(v);
	vtd_unlock(v);
	changed(v);
	return 0;
}

static void vtd_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	struct vtd_stats st;

	vtd_stats(dev, &st);
	emit(opaque, "iotlb_hits", st.iotlb_hits);
	emit(opaque, "iotlb_misses", st.iotlb_misses);
	emit(opaque, "faults", st.faults);
}

const struct device_ops vtd_device_ops = {
	.kind = "vtd",
	.state_version = 1,
	.reset = vtd_reset,
	.save = vtd_save,
	.restore = vtd_restore,
	.metrics = vtd_metrics,
};
