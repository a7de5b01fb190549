/* ACPI tables built by the VMM: RSDP, XSDT, FADT (hardware-reduced), MADT, DSDT. */
#ifndef VESSEL_ACPI_ACPI_H
#define VESSEL_ACPI_ACPI_H

#include "acpi/aml.h"

#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_EXTRA_TABLES 4

struct acpi_config {
	unsigned nr_cpus;
	uint32_t ioapic_addr;
	uint32_t lapic_addr;
	/* Hardware-reduced sleep and reset registers, in I/O space. */
	uint16_t sleep_control_port;
	uint16_t sleep_status_port;
	uint16_t reset_port;
	uint8_t reset_value;
	uint8_t s5_slp_typ;	/* SLP_TYP value for soft-off (\_S5) */
	/* Devices describe themselves into \_SB of the DSDT. */
	void (*dsdt_devices)(struct aml *a, void *opaque);
	void *opaque;
	/* Further complete tables (MCFG, DMAR, ...), checksummed by their builder. */
	const void *extra[ACPI_MAX_EXTRA_TABLES];
	unsigned nr_extra;
};

/*
 * Build the tables into @out, which the guest will see at @gpa, RSDP first.
 * Returns the bytes used, or 0 if @out_size is too small or AML failed.
 */
size_t acpi_build(const struct acpi_config *c, uint8_t *out, size_t out_size, uint64_t gpa);

/* Fill a table header (ACPI 6.4, 5.2.6) and compute the checksum over @len bytes. */
void acpi_header(void *table, const char sig[4], uint32_t len, uint8_t rev);
void acpi_checksum(void *table, size_t len, size_t checksum_offset);

#endif
