#include "iommu/vtd.h"
#include "iommu/vtd_internal.h"
#include "core/log.h"

#include <string.h>

#define FRCD_END	(DMAR_FRCD_REG + 16 * DMAR_NR_FRCD)
#define CAP_VALUE	(DMA_CAP_ND_16BIT | DMA_CAP_SAGAW_39 | DMA_CAP_SAGAW_48 | \
			 (uint64_t)(VTD_HAW - 1) << DMA_CAP_MGAW_SHIFT | \
			 (uint64_t)(DMAR_FRCD_REG / 16) << DMA_CAP_FRO_SHIFT | \
			 DMA_CAP_SLLPS_2M | DMA_CAP_SLLPS_1G | DMA_CAP_PSI | \
			 (uint64_t)(DMAR_NR_FRCD - 1) << DMA_CAP_NFR_SHIFT | \
			 18ull << DMA_CAP_MAMV_SHIFT | DMA_CAP_DWD | DMA_CAP_DRD)
#define ECAP_C		1ull	/* page walks snoop: no cache flushes needed */
#define ECAP_VALUE	(ECAP_C | DMA_ECAP_QI | DMA_ECAP_IR | DMA_ECAP_EIM | DMA_ECAP_PT | \
			 (uint64_t)(DMAR_IVA_REG / 16) << DMA_ECAP_IRO_SHIFT | \
			 15ull << DMA_ECAP_MHMV_SHIFT)

void vtd_event(struct vtd *v, uint32_t *ctl, uint32_t addr, uint32_t data)
{
	if (*ctl & DMA_FECTL_IM) {
		*ctl |= DMA_FECTL_IP;
		return;
	}
	*ctl &= ~DMA_FECTL_IP;
	v->sink.send(v->sink.opaque, addr, data);
}

static void update_ppf(struct vtd *v)
{
	unsigned i;

	v->fsts &= ~DMA_FSTS_PPF;
	for (i = 0; i < DMAR_NR_FRCD; i++)
		if (v->frcd[i][1] & DMA_FRCD_F)
			v->fsts |= DMA_FSTS_PPF;
}

void vtd_fault(struct vtd *v, uint16_t sid, uint8_t reason, uint64_t addr, bool write)
{
	uint64_t *rec = v->frcd[v->fri];
	bool was_pending = v->fsts & DMA_FSTS_PPF;

	__atomic_fetch_add(&v->stats.faults, 1, __ATOMIC_RELAXED);
	pr_debug("VT-d fault: source %02x:%02x.%u, reason 0x%02x, address 0x%llx, %s",
		 sid >> 8, (sid >> 3) & 31, sid & 7, reason, (unsigned long long)addr,
		 write ? "write" : "read");
	/* With an overflow pending, or the next record still in use, the fault is lost (7.2.1). */
	if (v->fsts & DMA_FSTS_PFO)
		return;
	if (rec[1] & DMA_FRCD_F) {
		v->fsts |= DMA_FSTS_PFO;
		return;
	}
	rec[0] = addr & ~0xfffull;
	rec[1] = sid | (uint64_t)reason << DMA_FRCD_FR_SHIFT | (write ? 0 : DMA_FRCD_T) |
		 DMA_FRCD_F;
	v->fsts = (v->fsts & ~(0xffu << DMA_FSTS_FRI_SHIFT)) | v->fri << DMA_FSTS_FRI_SHIFT;
	v->fri = (v->fri + 1) % DMAR_NR_FRCD;
	update_ppf(v);
	if (!was_pending)
		vtd_event(v, &v->fectl, v->feaddr, v->fedata);
}

static uint64_t read_qword(struct vtd *v, unsigned q)
{
	switch (q) {
	case DMAR_VER_REG: return DMAR_VER_1_0;
	case DMAR_CAP_REG: return v->cap;
	case DMAR_ECAP_REG: return v->ecap;
	case DMAR_GCMD_REG: return (uint64_t)v->gsts << 32;	/* GCMD reads as 0 */
	case DMAR_RTADDR_REG: return v->rtaddr_reg;
	case DMAR_CCMD_REG: return v->ccmd;
	case DMAR_FSTS_REG - 4: return (uint64_t)v->fsts << 32;
	case DMAR_FECTL_REG: return v->fectl | (uint64_t)v->fedata << 32;
	case DMAR_FEADDR_REG: return v->feaddr | (uint64_t)v->feuaddr << 32;
	case DMAR_IQH_REG: return v->iqh;
	case DMAR_IQT_REG: return v->iqt;
	case DMAR_IQA_REG: return v->iqa;
	case DMAR_ICS_REG - 4: return (uint64_t)v->ics << 32;
	case DMAR_IECTL_REG: return v->iectl | (uint64_t)v->iedata << 32;
	case DMAR_IEADDR_REG: return v->ieaddr | (uint64_t)v->ieuaddr << 32;
	case DMAR_IRTA_REG: return v->irta_reg;
	case DMAR_IVA_REG: return v->iva;
	case DMAR_IOTLB_REG: return v->iotlb_reg;
	default:
		if (q >= DMAR_FRCD_REG && q < FRCD_END)
			return v->frcd[(q - DMAR_FRCD_REG) / 16][(q / 8) & 1];
		return 0;
	}
}

/* One command at a time, as software issues them (10.4.4). */
static void write_gcmd(struct vtd *v, uint32_t cmd)
{
	if (cmd & DMA_GCMD_SRTP) {
		v->rtaddr = v->rtaddr_reg;
		v->gsts |= DMA_GSTS_RTPS;
		vtd_ctx_invalidate(v, DMA_GRAN_GLOBAL, 0, 0, 0);
		vtd_iotlb_invalidate(v, DMA_GRAN_GLOBAL, 0, 0, 0);
	}
	if ((cmd & DMA_GCMD_TE) != (v->gsts & DMA_GSTS_TES)) {
		pr_debug("VT-d: DMA remapping %s", cmd & DMA_GCMD_TE ? "on" : "off");
		v->gsts ^= DMA_GSTS_TES;
	}
	if (cmd & DMA_GCMD_SIRTP) {
		v->irta = v->irta_reg;
		v->gsts |= DMA_GSTS_IRTPS;
		v->ir_changed = true;
	}
	if ((cmd & (DMA_GCMD_IRE | DMA_GCMD_CFI)) != (v->gsts & (DMA_GSTS_IRES | DMA_GSTS_CFIS))) {
		pr_debug("VT-d: interrupt remapping %s, compatibility format %s",
			 cmd & DMA_GCMD_IRE ? "on" : "off", cmd & DMA_GCMD_CFI ? "allowed" : "blocked");
		v->gsts = (v->gsts & ~(DMA_GSTS_IRES | DMA_GSTS_CFIS)) |
			  (cmd & (DMA_GCMD_IRE | DMA_GCMD_CFI));
		v->ir_changed = true;
	}
	if ((cmd & DMA_GCMD_QIE) && !(v->gsts & DMA_GSTS_QIES)) {
		v->gsts |= DMA_GSTS_QIES;
		v->iqh = 0;
	} else if (!(cmd & DMA_GCMD_QIE) && (v->gsts & DMA_GSTS_QIES) && v->iqh == v->iqt) {
		v->gsts &= ~DMA_GSTS_QIES;
	}
}

static void write_ccmd(struct vtd *v, uint64_t val)
{
	unsigned gran = (val >> DMA_CCMD_CIRG_SHIFT) & 3;

	v->ccmd = val;
	if (!(val & DMA_CCMD_ICC) || (v->gsts & DMA_GSTS_QIES))
		return;
	vtd_ctx_invalidate(v, gran, (uint16_t)val, (uint16_t)(val >> 16), (val >> 32) & 3);
	v->ccmd = (val & ~(DMA_CCMD_ICC | 3ull << DMA_CCMD_CAIG_SHIFT)) |
		  (uint64_t)gran << DMA_CCMD_CAIG_SHIFT;
}

static void write_iotlb(struct vtd *v, uint64_t val)
{
	unsigned gran = (val >> DMA_IOTLB_IIRG_SHIFT) & 3;

	v->iotlb_reg = val;
	if (!(val & DMA_IOTLB_IVT) || (v->gsts & DMA_GSTS_QIES))
		return;
	vtd_iotlb_invalidate(v, gran, (uint16_t)(val >> DMA_IOTLB_DID_SHIFT), v->iva & ~0xfffull,
			     v->iva & 0x3f);
	v->iotlb_reg = (val & ~(DMA_IOTLB_IVT | 3ull << DMA_IOTLB_IAIG_SHIFT)) |
		       (uint64_t)gran << DMA_IOTLB_IAIG_SHIFT;
}

static void write_frcd(struct vtd *v, unsigned q, uint64_t val, uint64_t mask)
{
	uint64_t *rec = v->frcd[(q - DMAR_FRCD_REG) / 16];

	if (!((q / 8) & 1))
		return;		/* the low quadword is read-only */
	if (val & mask & DMA_FRCD_F)
		rec[1] &= ~DMA_FRCD_F;
	update_ppf(v);
}

static void unmask(struct vtd *v, uint32_t *ctl, uint32_t val, uint32_t addr, uint32_t data)
{
	bool pending = *ctl & DMA_FECTL_IP;

	*ctl = (*ctl & ~DMA_FECTL_IM) | (val & DMA_FECTL_IM);
	if (pending && !(val & DMA_FECTL_IM))
		vtd_event(v, ctl, addr, data);
}

/* @mask: which bytes of the quadword at @q the access wrote. */
static void write_qword(struct vtd *v, unsigned q, uint64_t val, uint64_t mask)
{
	uint64_t merged = (read_qword(v, q) & ~mask) | (val & mask);
	bool lo = mask & 0xffffffffull, hi = mask >> 32;

	switch (q) {
	case DMAR_GCMD_REG: if (lo) write_gcmd(v, (uint32_t)val); break;
	case DMAR_RTADDR_REG: v->rtaddr_reg = merged & ~0x3ffull; break;
	case DMAR_CCMD_REG: write_ccmd(v, merged); break;
	case DMAR_FSTS_REG - 4:
		if (hi)
			v->fsts &= ~((uint32_t)(val >> 32) & (DMA_FSTS_PFO | DMA_FSTS_IQE |
							     DMA_FSTS_ICE | DMA_FSTS_ITE));
		break;
	case DMAR_FECTL_REG:
		if (hi)
			v->fedata = (uint32_t)(val >> 32);
		if (lo)
			unmask(v, &v->fectl, (uint32_t)val, v->feaddr, v->fedata);
		break;
	case DMAR_FEADDR_REG: v->feaddr = (uint32_t)merged & ~3u; v->feuaddr = merged >> 32; break;
	case DMAR_IQT_REG:
		v->iqt = merged & 0x7fff0ull;
		if (v->gsts & DMA_GSTS_QIES)
			vtd_qi_process(v);
		break;
	case DMAR_IQA_REG: v->iqa = merged & ~0x7f8ull; break;
	case DMAR_ICS_REG - 4: if (hi && (val >> 32) & DMA_ICS_IWC) v->ics &= ~DMA_ICS_IWC; break;
	case DMAR_IECTL_REG:
		if (hi)
			v->iedata = (uint32_t)(val >> 32);
		if (lo)
			unmask(v, &v->iectl, (uint32_t)val, v->ieaddr, v->iedata);
		break;
	case DMAR_IEADDR_REG: v->ieaddr = (uint32_t)merged & ~3u; v->ieuaddr = merged >> 32; break;
	case DMAR_IRTA_REG: v->irta_reg = merged & ~0x7f0ull; break;
	case DMAR_IVA_REG: v->iva = merged & ~0xf80ull; break;
	case DMAR_IOTLB_REG: write_iotlb(v, merged); break;
	default:
		if (q >= DMAR_FRCD_REG && q < FRCD_END)
			write_frcd(v, q, val, mask);
		break;
	}
}

static uint64_t byte_mask(unsigned off, unsigned len)
{
	uint64_t m = len == 8 ? ~0ull : ((1ull << (8 * len)) - 1);

	return m << (8 * (off & 7));
}

static void reg_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct vtd *v = opaque;
	uint64_t q;

	if ((len != 4 && len != 8) || (off & (len - 1))) {
		memset(data, 0xff, len);	/* the spec allows only aligned dword and qword accesses */
		return;
	}
	vtd_lock(v);
	q = read_qword(v, (unsigned)off & ~7u) >> (8 * (off & 7));
	vtd_unlock(v);
	memcpy(data, &q, len);
}

static void reg_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct vtd *v = opaque;
	uint64_t val = 0;
	bool changed;

	if ((len != 4 && len != 8) || (off & (len - 1)))
		return;
	memcpy(&val, data, len);
	vtd_lock(v);
	write_qword(v, (unsigned)off & ~7u, val << (8 * (off & 7)), byte_mask((unsigned)off, len));
	changed = v->ir_changed;
	v->ir_changed = false;
	vtd_unlock(v);
	if (changed && v->ir_listener)
		v->ir_listener(v->ir_opaque);
}

void vtd_set_ir_listener(struct vtd *v, void (*changed)(void *opaque), void *opaque)
{
	v->ir_listener = changed;
	v->ir_opaque = opaque;
}

static const struct io_dev_ops vtd_reg_ops = { reg_read, reg_write };

void vtd_init(struct vtd *v, const struct guest_mem *mem, const struct vtd_msi_sink *sink,
	      bool caching_mode)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	v->mem = mem;
	v->sink = *sink;
	/*
	 * Caching mode makes the guest invalidate after every map too, which a
	 * VMM shadowing the tables (device assignment) needs; Linux then also
	 * gives up batching its invalidations, so it is off unless asked for.
	 */
	v->cap = CAP_VALUE | (caching_mode ? DMA_CAP_CM : 0);
	v->ecap = ECAP_VALUE;
}

void vtd_destroy(struct vtd *v)
{
	pthread_mutex_destroy(&v->lock);
}

int vtd_attach(struct vtd *v, struct io_bus *mmio)
{
	return io_bus_register(mmio, VTD_BASE_ADDR, DMAR_REG_SIZE, &vtd_reg_ops, v);
}

void vtd_stats(struct vtd *v, struct vtd_stats *out)
{
	out->iotlb_hits = __atomic_load_n(&v->stats.iotlb_hits, __ATOMIC_RELAXED);
	out->iotlb_misses = __atomic_load_n(&v->stats.iotlb_misses, __ATOMIC_RELAXED);
	out->faults = __atomic_load_n(&v->stats.faults, __ATOMIC_RELAXED);
}
