#include "iommu/dmar.h"
#include "iommu/vtd.h"
#include "acpi/acpi.h"

#include <string.h>

#define DMAR_HEADER_LEN		48
#define DMAR_INTR_REMAP		1
#define DMAR_TYPE_DRHD		0
#define DRHD_INCLUDE_PCI_ALL	1
#define DRHD_LEN		16
#define SCOPE_TYPE_IOAPIC	3
#define SCOPE_LEN		8

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

void dmar_build(uint8_t out[DMAR_TABLE_LEN], uint64_t reg_base, uint8_t ioapic_id,
		bool intr_remap)
{
	uint8_t *drhd = out + DMAR_HEADER_LEN, *scope = drhd + DRHD_LEN;

	memset(out, 0, DMAR_TABLE_LEN);
	out[36] = VTD_HAW - 1;		/* host address width, minus one */
	out[37] = intr_remap ? DMAR_INTR_REMAP : 0;
	put16(drhd, DMAR_TYPE_DRHD);
	put16(drhd + 2, DRHD_LEN + SCOPE_LEN);
	drhd[4] = DRHD_INCLUDE_PCI_ALL;
	put16(drhd + 6, 0);		/* PCI segment */
	memcpy(drhd + 8, &reg_base, 8);
	/* INCLUDE_PCI_ALL still names the IOAPIC explicitly (8.3.1). */
	scope[0] = SCOPE_TYPE_IOAPIC;
	scope[1] = SCOPE_LEN;
	scope[4] = ioapic_id;
	scope[5] = DMAR_IOAPIC_SID >> 8;	/* start bus */
	scope[6] = (DMAR_IOAPIC_SID >> 3) & 31;	/* path: device */
	scope[7] = DMAR_IOAPIC_SID & 7;		/* path: function */
	acpi_header(out, "DMAR", DMAR_TABLE_LEN, 1);
}
