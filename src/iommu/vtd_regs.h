/*
 * Intel VT-d register file and in-memory structures (Intel Virtualization
 * Technology for Directed I/O, rev. 4.x: chapter 9 for the structures,
 * chapter 11 for the registers). Names follow the specification.
 */
#ifndef VESSEL_IOMMU_VTD_REGS_H
#define VESSEL_IOMMU_VTD_REGS_H

/* Register offsets (11.4). */
#define DMAR_VER_REG		0x000
#define DMAR_CAP_REG		0x008
#define DMAR_ECAP_REG		0x010
#define DMAR_GCMD_REG		0x018
#define DMAR_GSTS_REG		0x01c
#define DMAR_RTADDR_REG		0x020
#define DMAR_CCMD_REG		0x028
#define DMAR_FSTS_REG		0x034
#define DMAR_FECTL_REG		0x038
#define DMAR_FEDATA_REG		0x03c
#define DMAR_FEADDR_REG		0x040
#define DMAR_FEUADDR_REG	0x044
#define DMAR_AFLOG_REG		0x058
#define DMAR_PMEN_REG		0x064
#define DMAR_IQH_REG		0x080
#define DMAR_IQT_REG		0x088
#define DMAR_IQA_REG		0x090
#define DMAR_ICS_REG		0x09c
#define DMAR_IECTL_REG		0x0a0
#define DMAR_IEDATA_REG		0x0a4
#define DMAR_IEADDR_REG		0x0a8
#define DMAR_IEUADDR_REG	0x0ac
#define DMAR_IRTA_REG		0x0b8
#define DMAR_IVA_REG		0x100	/* ECAP.IRO = 0x10 */
#define DMAR_IOTLB_REG		0x108
#define DMAR_FRCD_REG		0x200	/* CAP.FRO = 0x20 */
#define DMAR_NR_FRCD		8
#define DMAR_REG_SIZE		0x1000

#define DMAR_VER_1_0		0x10

/* CAP_REG (11.4.2). */
#define DMA_CAP_ND_16BIT	6ull		/* 65536 domain ids */
#define DMA_CAP_SAGAW_39	(1ull << 9)	/* 3-level tables */
#define DMA_CAP_SAGAW_48	(1ull << 10)	/* 4-level tables */
#define DMA_CAP_CM		(1ull << 7)
#define DMA_CAP_MGAW_SHIFT	16
#define DMA_CAP_FRO_SHIFT	24
#define DMA_CAP_SLLPS_2M	(1ull << 34)
#define DMA_CAP_SLLPS_1G	(1ull << 35)
#define DMA_CAP_PSI		(1ull << 39)
#define DMA_CAP_NFR_SHIFT	40
#define DMA_CAP_MAMV_SHIFT	48
#define DMA_CAP_DWD		(1ull << 54)
#define DMA_CAP_DRD		(1ull << 55)

/* ECAP_REG (11.4.3). */
#define DMA_ECAP_QI		(1ull << 1)
#define DMA_ECAP_IR		(1ull << 3)
#define DMA_ECAP_EIM		(1ull << 4)
#define DMA_ECAP_PT		(1ull << 6)
#define DMA_ECAP_SC		(1ull << 7)
#define DMA_ECAP_IRO_SHIFT	8
#define DMA_ECAP_MHMV_SHIFT	20

/* GCMD_REG and GSTS_REG bits (11.4.4, 11.4.5). */
#define DMA_GCMD_TE		(1u << 31)
#define DMA_GCMD_SRTP		(1u << 30)
#define DMA_GCMD_SFL		(1u << 29)
#define DMA_GCMD_EAFL		(1u << 28)
#define DMA_GCMD_WBF		(1u << 27)
#define DMA_GCMD_QIE		(1u << 26)
#define DMA_GCMD_IRE		(1u << 25)
#define DMA_GCMD_SIRTP		(1u << 24)
#define DMA_GCMD_CFI		(1u << 23)
#define DMA_GSTS_TES		DMA_GCMD_TE
#define DMA_GSTS_RTPS		DMA_GCMD_SRTP
#define DMA_GSTS_QIES		DMA_GCMD_QIE
#define DMA_GSTS_IRES		DMA_GCMD_IRE
#define DMA_GSTS_IRTPS		DMA_GCMD_SIRTP
#define DMA_GSTS_CFIS		DMA_GCMD_CFI

/* CCMD_REG (11.4.7) and IOTLB_REG (11.4.8.1). */
#define DMA_CCMD_ICC		(1ull << 63)
#define DMA_CCMD_CIRG_SHIFT	61
#define DMA_CCMD_CAIG_SHIFT	59
#define DMA_IOTLB_IVT		(1ull << 63)
#define DMA_IOTLB_IIRG_SHIFT	60
#define DMA_IOTLB_IAIG_SHIFT	57
#define DMA_IOTLB_DID_SHIFT	32
#define DMA_GRAN_GLOBAL		1
#define DMA_GRAN_DOMAIN		2
#define DMA_GRAN_PAGE		3	/* device, for the context cache */

/* FSTS_REG and FECTL_REG (11.4.9). */
#define DMA_FSTS_PFO		(1u << 0)
#define DMA_FSTS_PPF		(1u << 1)
#define DMA_FSTS_IQE		(1u << 4)
#define DMA_FSTS_ICE		(1u << 5)
#define DMA_FSTS_ITE		(1u << 6)
#define DMA_FSTS_FRI_SHIFT	8
#define DMA_FECTL_IM		(1u << 31)
#define DMA_FECTL_IP		(1u << 30)
#define DMA_FRCD_F		(1ull << 63)	/* in the high quadword */
#define DMA_FRCD_T		(1ull << 62)	/* 1: read request */
#define DMA_FRCD_FR_SHIFT	32

/* IQA_REG, ICS_REG, IECTL_REG, IRTA_REG (11.4.9). */
#define DMA_IQA_DW		(1ull << 11)
#define DMA_IQA_QS_MASK		7ull
#define DMA_ICS_IWC		1u
#define DMA_IECTL_IM		(1u << 31)
#define DMA_IECTL_IP		(1u << 30)
#define DMA_IRTA_EIME		(1ull << 11)
#define DMA_IRTA_S_MASK		15ull

/* Fault reasons, legacy mode (7.1.3, table 26) and interrupt remapping (table 27). */
#define VTD_FR_ROOT_NOT_PRESENT		0x01
#define VTD_FR_CTX_NOT_PRESENT		0x02
#define VTD_FR_CTX_INVALID		0x03
#define VTD_FR_ADDR_BEYOND_AW		0x04
#define VTD_FR_WRITE			0x05
#define VTD_FR_READ			0x06
#define VTD_FR_PAGING_ENTRY_INVALID	0x07
#define VTD_FR_ROOT_TABLE_INVALID	0x08
#define VTD_FR_CTX_TABLE_INVALID	0x09
#define VTD_FR_ROOT_RSVD		0x0a
#define VTD_FR_CTX_RSVD			0x0b
#define VTD_FR_PAGING_ENTRY_RSVD	0x0c
#define VTD_FR_IR_REQ_RSVD		0x20
#define VTD_FR_IR_INDEX_OVER		0x21
#define VTD_FR_IR_ENTRY_P		0x22
#define VTD_FR_IR_ROOT_INVAL		0x23
#define VTD_FR_IR_IRTE_RSVD		0x24
#define VTD_FR_IR_REQ_COMPAT		0x25
#define VTD_FR_IR_SID_ERR		0x26

/* Invalidation descriptors (6.5.2). */
#define VTD_INV_DESC_CC			1
#define VTD_INV_DESC_IOTLB		2
#define VTD_INV_DESC_DEVTLB		3
#define VTD_INV_DESC_IEC		4
#define VTD_INV_DESC_WAIT		5
#define VTD_INV_WAIT_IF			(1ull << 4)
#define VTD_INV_WAIT_SW			(1ull << 5)
#define VTD_INV_WAIT_FN			(1ull << 6)

/* Root, context and second-level entries (9.1, 9.3, 9.8). */
#define VTD_ROOT_P			1ull
#define VTD_CTX_P			1ull
#define VTD_CTX_FPD			2ull
#define VTD_CTX_TT_SHIFT		2
#define VTD_CTX_TT_MULTI_LEVEL		0
#define VTD_CTX_TT_DEV_IOTLB		1
#define VTD_CTX_TT_PASS_THROUGH		2
#define VTD_CTX_AW_MASK			7ull
#define VTD_CTX_DID_SHIFT		8
#define VTD_SL_R			1ull
#define VTD_SL_W			2ull
#define VTD_SL_PS			(1ull << 7)

/* Interrupt remapping table entry (9.10) and the remappable MSI format (5.1.2.2). */
#define VTD_IRTE_P			1ull
#define VTD_IRTE_FPD			2ull
#define VTD_IRTE_DM			(1ull << 2)
#define VTD_IRTE_TM			(1ull << 4)
#define VTD_IRTE_DLM_SHIFT		5
#define VTD_IRTE_VECTOR_SHIFT		16
#define VTD_IRTE_DST_SHIFT		32
#define VTD_MSI_ADDR_IF			(1u << 4)	/* interrupt format: remappable */
#define VTD_MSI_ADDR_SHV		(1u << 3)

#endif
