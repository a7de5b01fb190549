/*
 * An encoder for the few ACPI Machine Language terms vessel's DSDT needs
 * (ACPI 6.4, chapter 20). Terms are appended to a growing buffer; scopes,
 * devices, packages and buffers are opened and closed around their contents.
 */
#ifndef VESSEL_ACPI_AML_H
#define VESSEL_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 16

struct aml {
	uint8_t *buf;
	size_t len, cap;
	size_t open[AML_MAX_DEPTH];	/* where each open term's length goes */
	unsigned depth;
	int error;			/* set on allocation failure or misuse */
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);

void aml_name(struct aml *a, const char *name);		/* NameOp NameString, a value follows */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
void aml_eisaid(struct aml *a, const char *id);		/* "PNP0501" */

void aml_scope(struct aml *a, const char *name);	/* open */
void aml_device(struct aml *a, const char *name);	/* open */
void aml_package(struct aml *a, unsigned nr_elements);	/* open */
void aml_method(struct aml *a, const char *name, unsigned nr_args);	/* open */
void aml_return(struct aml *a);				/* ReturnOp, an operand follows */
void aml_buffer(struct aml *a);				/* open; closes with its size */

/* Method bodies: operators take the terms that follow as their operands. */
void aml_name_ref(struct aml *a, const char *name);	/* a NameString operand */
void aml_local(struct aml *a, unsigned n);		/* Local0..Local7 */
void aml_store(struct aml *a);				/* Store(source, target) */
void aml_and(struct aml *a);				/* And(a, b, target) */
void aml_if(struct aml *a);				/* open: predicate, then the body */
void aml_notify(struct aml *a, const char *name, uint8_t value);
/* OperationRegion(@name, SystemIO, @port, @len) and its byte-access Field. */
void aml_opregion_io(struct aml *a, const char *name, uint16_t port, uint8_t len);
void aml_field_bytes(struct aml *a, const char *region, const char *const *names,
		     const uint8_t *bits, unsigned n);
void aml_close(struct aml *a);

/* Resource descriptors (ACPI 6.4, 6.4): only inside an open buffer. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, unsigned irq);
void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len);
/* An extended interrupt descriptor for one GSI (what a GED's _CRS lists). */
void aml_res_interrupt(struct aml *a, unsigned gsi, bool level, bool active_low);
void aml_res_end(struct aml *a);
/* Address space descriptors of a bridge's decoded windows, [min, max] inclusive. */
void aml_res_bus_numbers(struct aml *a, uint16_t min, uint16_t max);
void aml_res_io_window(struct aml *a, uint16_t min, uint16_t max);
void aml_res_mem32_window(struct aml *a, uint32_t min, uint32_t max);
void aml_res_mem64_window(struct aml *a, uint64_t min, uint64_t max);

/*
 * A fixed-resource device in the current scope: Device(@name) with _HID
 * (an EISA id like "PNP0501", or a string id like "QEMU0001"), _UID unless
 * @uid is negative, and _CRS listing @nr_io port ranges and @irq unless negative.
 */
struct aml_io_range {
	uint16_t base;
	uint8_t len;
};

void aml_fixed_device(struct aml *a, const char *name, const char *hid, int uid,
		      const struct aml_io_range *io, unsigned nr_io, int irq);

/* Raw bytes, for descriptors not listed above. */
void aml_bytes(struct aml *a, const void *p, size_t n);

#endif
