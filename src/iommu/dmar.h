/* The ACPI DMAR table (VT-d 8.1): one remapping unit over every PCI device and the IOAPIC. */
#ifndef VESSEL_IOMMU_DMAR_H
#define VESSEL_IOMMU_DMAR_H

#include <stdbool.h>
#include <stdint.h>

#define DMAR_TABLE_LEN		72	/* header, one DRHD, one IOAPIC scope */
#define DMAR_IOAPIC_SID		0xff00	/* bus 0xff, device 0, function 0: the IOAPIC's requester id */

void dmar_build(uint8_t out[DMAR_TABLE_LEN], uint64_t reg_base, uint8_t ioapic_id,
		bool intr_remap);

#endif
