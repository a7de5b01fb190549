#include "acpi/acpi.h"

#include <string.h>

#define ACPI_OEM_ID		"VESSEL"
#define ACPI_OEM_TABLE_ID	"VESSELVM"
#define ACPI_CREATOR_ID		"VSSL"
#define ACPI_HDR_LEN		36
#define ACPI_HDR_CHECKSUM	9
#define RSDP_LEN		36

/* FADT flags (ACPI 6.4, 5.2.9, table 5.10). */
#define FADT_WBINVD		(1u << 0)
#define FADT_PWR_BUTTON		(1u << 4)
#define FADT_SLP_BUTTON		(1u << 5)
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED_ACPI	(1u << 20)
/* IA-PC boot architecture flags (table 5.11). */
#define IAPC_8042		(1u << 1)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)

#define GAS_SYSTEM_IO		1
#define ACCESS_BYTE		1

#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_LAPIC_ENABLED	1

struct __attribute__((packed)) acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

struct __attribute__((packed)) acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
};

struct __attribute__((packed)) acpi_table_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

/* FADT, revision 6 (ACPI 6.4, 5.2.9). */
struct __attribute__((packed)) acpi_fadt {
	struct acpi_table_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_revision;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
};

struct __attribute__((packed)) madt_lapic {
	uint8_t type, length, processor_uid, apic_id;
	uint32_t flags;
};

struct __attribute__((packed)) madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
};

_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");
_Static_assert(sizeof(struct acpi_rsdp) == RSDP_LEN, "RSDP is 36 bytes");

void acpi_checksum(void *table, size_t len, size_t checksum_offset)
{
	uint8_t *p = table, sum = 0;
	size_t i;

	p[checksum_offset] = 0;
	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[checksum_offset] = (uint8_t)(0 - sum);
}

void acpi_header(void *table, const char sig[4], uint32_t len, uint8_t rev)
{
	struct acpi_table_header *h = table;

	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
	acpi_checksum(table, len, ACPI_HDR_CHECKSUM);
}

static struct acpi_gas io_gas(uint16_t port)
{
	return (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, ACCESS_BYTE, port };
}

/* A bump allocator over the output area, 16-byte aligned per table. */
struct area {
	uint8_t *out;
	size_t size, used;
	uint64_t gpa;
};

static void *take(struct area *ar, size_t len, uint64_t *gpa)
{
	size_t off = (ar->used + 15) & ~(size_t)15;

	if (off > ar->size || len > ar->size - off)
		return NULL;
	ar->used = off + len;
	*gpa = ar->gpa + off;
	memset(ar->out + off, 0, len);
	return ar->out + off;
}

static void build_dsdt_body(const struct acpi_config *c, struct aml *a)
{
	unsigned i;

	aml_scope(a, "\\_SB");
	for (i = 0; i < c->nr_cpus; i++) {
		char name[5];

		name[0] = 'C';
		name[1] = "0123456789ABCDEF"[(i >> 8) & 15];
		name[2] = "0123456789ABCDEF"[(i >> 4) & 15];
		name[3] = "0123456789ABCDEF"[i & 15];
		name[4] = '\0';
		aml_device(a, name);
		aml_name(a, "_HID");
		aml_string(a, "ACPI0007");
		aml_name(a, "_UID");
		aml_integer(a, i);
		aml_close(a);
	}
	if (c->dsdt_devices)
		c->dsdt_devices(a, c->opaque);
	aml_close(a);

	/* \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved (7.4.2). */
	aml_name(a, "\\_S5");
	aml_package(a, 4);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_close(a);
}

static int build_dsdt(const struct acpi_config *c, struct area *ar, uint64_t *gpa)
{
	struct aml a;
	uint8_t *t;

	aml_init(&a);
	build_dsdt_body(c, &a);
	if (a.error || a.depth) {
		aml_free(&a);
		return -1;
	}
	t = take(ar, ACPI_HDR_LEN + a.len, gpa);
	if (t) {
		memcpy(t + ACPI_HDR_LEN, a.buf, a.len);
		acpi_header(t, "DSDT", (uint32_t)(ACPI_HDR_LEN + a.len), 2);
	}
	aml_free(&a);
	return t ? 0 : -1;
}

static int build_fadt(const struct acpi_config *c, struct area *ar, uint64_t dsdt,
		      uint64_t *gpa)
{
	struct acpi_fadt *f = take(ar, sizeof(*f), gpa);

	if (!f)
		return -1;
	f->x_dsdt = dsdt;
	f->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
		   FADT_HW_REDUCED_ACPI;
	f->iapc_boot_arch = IAPC_8042 | IAPC_VGA_NOT_PRESENT;
	f->reset_reg = io_gas(c->reset_port);
	f->reset_value = c->reset_value;
	f->minor_revision = 4;
	f->sleep_control_reg = io_gas(c->sleep_control_port);
	f->sleep_status_reg = io_gas(c->sleep_status_port);
	memcpy(&f->hypervisor_vendor_id, "VESSELVM", 8);
	acpi_header(f, "FACP", sizeof(*f), 6);
	return 0;
}

static int build_madt(const struct acpi_config *c, struct area *ar, uint64_t *gpa)
{
	size_t len = ACPI_HDR_LEN + 8 + c->nr_cpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic);
	uint8_t *t = take(ar, len, gpa), *p;
	struct madt_ioapic io = {
		.type = MADT_TYPE_IOAPIC,
		.length = sizeof(io),
		.ioapic_id = (uint8_t)c->nr_cpus,	/* ids after the CPUs' */
		.address = c->ioapic_addr,
		.gsi_base = 0,
	};
	unsigned i;

	if (!t)
		return -1;
	memcpy(t + ACPI_HDR_LEN, &c->lapic_addr, 4);	/* flags stay 0: no 8259 in use */
	p = t + ACPI_HDR_LEN + 8;
	for (i = 0; i < c->nr_cpus; i++) {
		struct madt_lapic l = {
			.type = MADT_TYPE_LAPIC,
			.length = sizeof(l),
			.processor_uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = MADT_LAPIC_ENABLED,
		};

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	memcpy(p, &io, sizeof(io));
	acpi_header(t, "APIC", (uint32_t)len, 5);
	return 0;
}

static int copy_extra(const struct acpi_config *c, struct area *ar, uint64_t *gpas)
{
	unsigned i;

	for (i = 0; i < c->nr_extra; i++) {
		const struct acpi_table_header *h = c->extra[i];
		void *t = take(ar, h->length, &gpas[i]);

		if (!t)
			return -1;
		memcpy(t, h, h->length);
	}
	return 0;
}

size_t acpi_build(const struct acpi_config *c, uint8_t *out, size_t out_size, uint64_t gpa)
{
	struct area ar = { out, out_size, 0, gpa };
	uint64_t rsdp_gpa, xsdt_gpa, dsdt, tables[2 + ACPI_MAX_EXTRA_TABLES];
	struct acpi_rsdp *rsdp;
	unsigned nr = 0, i;
	uint8_t *xsdt;
	size_t xsdt_len;

	if (c->nr_extra > ACPI_MAX_EXTRA_TABLES || c->nr_cpus == 0 || c->nr_cpus > 255)
		return 0;
	rsdp = take(&ar, sizeof(*rsdp), &rsdp_gpa);
	if (!rsdp || build_dsdt(c, &ar, &dsdt))
		return 0;
	if (build_fadt(c, &ar, dsdt, &tables[nr++]) || build_madt(c, &ar, &tables[nr++]))
		return 0;
	if (copy_extra(c, &ar, &tables[nr]))
		return 0;
	nr += c->nr_extra;

	xsdt_len = ACPI_HDR_LEN + nr * 8;
	xsdt = take(&ar, xsdt_len, &xsdt_gpa);
	if (!xsdt)
		return 0;
	for (i = 0; i < nr; i++)
		memcpy(xsdt + ACPI_HDR_LEN + i * 8, &tables[i], 8);
	acpi_header(xsdt, "XSDT", (uint32_t)xsdt_len, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = RSDP_LEN;
	rsdp->xsdt_address = xsdt_gpa;
	acpi_checksum(rsdp, 20, offsetof(struct acpi_rsdp, checksum));
	acpi_checksum(rsdp, RSDP_LEN, offsetof(struct acpi_rsdp, extended_checksum));
	return ar.used;
}
