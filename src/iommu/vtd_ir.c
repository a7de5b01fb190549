/* Interrupt remapping (chapter 5): requests in remappable format looked up in the IRTE table. */
#include "iommu/vtd.h"
#include "iommu/vtd_internal.h"

#define MSI_ADDR_BASE		0xfee00000u
#define HANDLE_LO_SHIFT		5
#define HANDLE_HI_BIT		2
/* Reserved bits of a present IRTE in remapped (not posted) format (9.10). */
#define IRTE_RSVD_LO		(0xf000ull | 0xff000000ull)
#define IRTE_RSVD_LO_XAPIC	(0xffff0000ff000000ull | 0xf000ull)
#define IRTE_RSVD_HI		(~0xfffffull)
#define IRTE_SVT_SHIFT		18
#define IRTE_SQ_SHIFT		16

static uint8_t check_source(uint64_t hi, uint16_t sid)
{
	uint16_t want = (uint16_t)hi;
	static const uint16_t sq_mask[] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };

	switch ((hi >> IRTE_SVT_SHIFT) & 3) {
	case 0:
		return 0;
	case 1:
		return (sid & sq_mask[(hi >> IRTE_SQ_SHIFT) & 3]) ==
		       (want & sq_mask[(hi >> IRTE_SQ_SHIFT) & 3]) ? 0 : VTD_FR_IR_SID_ERR;
	case 2:		/* a range of buses: start in SID[15:8], end in SID[7:0] */
		return (sid >> 8) >= (want >> 8) && (sid >> 8) <= (want & 0xff) ? 0 :
										   VTD_FR_IR_SID_ERR;
	default:
		return VTD_FR_IR_SID_ERR;
	}
}

/* Look up entry @index; returns 0 with the message to deliver, or a fault reason. */
static uint8_t lookup(struct vtd *v, uint16_t sid, unsigned index, struct vtd_msi_msg *out,
		      bool *fpd)
{
	bool eime = v->irta & DMA_IRTA_EIME;
	uint64_t irte[2];
	uint32_t dest;
	uint8_t fault;

	if (index >= 2u << (v->irta & DMA_IRTA_S_MASK))
		return VTD_FR_IR_INDEX_OVER;
	if (gm_read(v->mem, (v->irta & ~0xfffull) + 16ull * index, irte, sizeof(irte)))
		return VTD_FR_IR_ROOT_INVAL;
	*fpd = irte[0] & VTD_IRTE_FPD;
	if (!(irte[0] & VTD_IRTE_P))
		return VTD_FR_IR_ENTRY_P;
	if ((irte[0] & (eime ? IRTE_RSVD_LO : IRTE_RSVD_LO_XAPIC)) || (irte[1] & IRTE_RSVD_HI))
		return VTD_FR_IR_IRTE_RSVD;
	fault = check_source(irte[1], sid);
	if (fault)
		return fault;
	dest = (uint32_t)(irte[0] >> VTD_IRTE_DST_SHIFT);
	if (!eime)
		dest = (dest >> 8) & 0xff;	/* xAPIC: the id sits in DST[15:8] */
	out->addr = MSI_ADDR_BASE | (dest & 0xff) << 12 | (irte[0] & VTD_IRTE_DM ? 1u << 2 : 0) |
		    (irte[0] & 8 ? 1u << 3 : 0);	/* redirection hint */
	out->data = (uint32_t)((irte[0] >> VTD_IRTE_VECTOR_SHIFT) & 0xff) |
		    (uint32_t)((irte[0] >> VTD_IRTE_DLM_SHIFT) & 7) << 8 |
		    (irte[0] & VTD_IRTE_TM ? 3u << 14 : 0);	/* level: trigger and assert */
	return 0;
}

int vtd_remap_msi(struct vtd *v, uint16_t sid, uint64_t addr, uint32_t data,
		  struct vtd_msi_msg *out, bool record)
{
	unsigned index;
	uint8_t fault = 0;
	bool fpd = false;

	vtd_lock(v);
	*out = (struct vtd_msi_msg){ addr, data };
	if (!(v->gsts & DMA_GSTS_IRES)) {
		vtd_unlock(v);
		return 0;
	}
	if (!(addr & VTD_MSI_ADDR_IF)) {
		/* Compatibility format passes only with CFI on and x2APIC mode off (5.1.2.1). */
		if ((v->gsts & DMA_GSTS_CFIS) && !(v->irta & DMA_IRTA_EIME)) {
			vtd_unlock(v);
			return 0;
		}
		fault = VTD_FR_IR_REQ_COMPAT;
		index = 0;
	} else {
		index = (unsigned)((addr >> HANDLE_LO_SHIFT) & 0x7fff) |
			(unsigned)((addr >> HANDLE_HI_BIT) & 1) << 15;
		if (addr & VTD_MSI_ADDR_SHV) {
			if (data >> 16)
				fault = VTD_FR_IR_REQ_RSVD;
			index += data & 0xffff;
		}
		if (!fault)
			fault = lookup(v, sid, index, out, &fpd);
	}
	if (fault && record && !fpd)
		vtd_fault(v, sid, fault, (uint64_t)index << 48, true);
	vtd_unlock(v);
	return fault ? -1 : 0;
}
