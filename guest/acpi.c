/* Reading the ACPI tables the VMM built: a check of them as much as a use. */
#include "guest.h"

struct __attribute__((packed)) sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
};

/*
 * Eight bytes a step: this code may run emulated (~1 us an instruction on some
 * hosts), so a byte loop over the tables costs a visible part of a boot.
 */
/* The byte sum mod 256 of the 16-bit lanes' sums (each lane mod 256 first, so no carries). */
static uint8_t fold_lanes(uint64_t lanes)
{
	return (uint8_t)(((lanes & 0x00ff00ff00ff00ffull) * 0x0001000100010001ull) >> 48);
}

/*
 * Eight bytes a step: this code may run emulated (~1 us an instruction on some
 * hosts), so a byte loop over the tables costs a visible part of a boot.
 */
static int checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint64_t lanes = 0, w;
	uint8_t sum = 0;
	unsigned steps = 0;

	for (; len >= 8; len -= 8, b += 8) {
		__builtin_memcpy(&w, b, 8);
		lanes += (w & 0x00ff00ff00ff00ffull) + ((w >> 8) & 0x00ff00ff00ff00ffull);
		if (++steps == 64) {	/* 64 * 510 still fits a 16-bit lane */
			sum = (uint8_t)(sum + fold_lanes(lanes));
			lanes = 0;
			steps = 0;
		}
	}
	sum = (uint8_t)(sum + fold_lanes(lanes));
	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum == 0;
}

static void parse_madt(const struct sdt_header *h, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h) + 8;
	const uint8_t *end = (const uint8_t *)h + h->length;

	memcpy(&info->lapic_addr, (const uint8_t *)h + sizeof(*h), 4);
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		if (p[0] == 0 && (p[4] & 1) && info->nr_cpus < GUEST_MAX_CPUS)
			info->apic_ids[info->nr_cpus++] = p[3];
		/* The IOAPIC whose GSI base is 0 takes the ISA interrupts. */
		if (p[0] == 1 && p[1] >= 12 && !p[8] && !p[9] && !p[10] && !p[11])
			memcpy(&info->ioapic_addr, p + 4, 4);
		p += p[1];
	}
}

static void eisa_to_str(uint32_t raw, char out[9])
{
	uint32_t v = __builtin_bswap32(raw);
	unsigned i;

	out[0] = (char)('@' + ((v >> 26) & 31));
	out[1] = (char)('@' + ((v >> 21) & 31));
	out[2] = (char)('@' + ((v >> 16) & 31));
	for (i = 0; i < 4; i++)
		out[3 + i] = "0123456789ABCDEF"[(v >> (12 - 4 * i)) & 15];
	out[7] = '\0';
}

/*
 * The Generic Event Device after its _HID: the extended interrupt
 * descriptor of its _CRS (89 06 00 flags 01 gsi) and its event register,
 * OperationRegion(GEDR, SystemIO, port, 1) (5B 80 "GEDR" 01 0B port).
 */
static void parse_ged(const uint8_t *p, const uint8_t *end, struct acpi_info *info)
{
	const uint8_t *stop = p + 96 < end ? p + 96 : end;

	for (; p + 9 <= stop; p++) {
		if (p[0] == 0x89 && p[1] == 6 && p[2] == 0 && p[4] == 1)
			memcpy(&info->ged_gsi, p + 5, 4);
		if (p[0] == 0x5b && p[1] == 0x80 && !memcmp(p + 2, "GEDR", 4) && p[6] == 1 &&
		    p[7] == 0x0b)
			memcpy(&info->ged_port, p + 8, 2);
	}
}

/* Walk the DSDT's bytes for _HID values and \_S5; enough for this VMM's own AML. */
static void parse_dsdt(const struct sdt_header *h, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h);
	const uint8_t *end = (const uint8_t *)h + h->length;

	info->s5_slp_typ = -1;
	for (; p + 9 < end; p++) {
		uint64_t w, x;

		/* Names start with '_': skip eight bytes at once while none is one. */
		if (p + 17 < end) {
			__builtin_memcpy(&w, p, 8);
			x = w ^ 0x5f5f5f5f5f5f5f5full;
			if (!((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)) {
				p += 7;
				continue;
			}
		}
		if (*p != '_')
			continue;
		if (!memcmp(p, "_HID", 4) && info->nr_devices < 16) {
			char *id = info->device_ids[info->nr_devices];
			uint32_t raw;

			if (p[4] == 0x0d) {	/* string */
				unsigned i;

				for (i = 0; i < 8 && p + 5 + i < end && p[5 + i]; i++)
					id[i] = (char)p[5 + i];
				id[i] = '\0';
				info->nr_devices++;
				if (!memcmp(id, "ACPI0013", 9))
					parse_ged(p, end, info);
			} else if (p[4] == 0x0c) {	/* EISA id as a dword */
				memcpy(&raw, p + 5, 4);
				eisa_to_str(raw, id);
				info->nr_devices++;
			}
		}
		/* Name(\_S5, Package(4) { typ, ... }): 08 5C "_S5_" 12 len 04 ... */
		if (!memcmp(p, "_S5_", 4) && p[4] == 0x12) {
			const uint8_t *e = p + 5 + 1 + 1;	/* PkgLength (1 byte), count */

			info->s5_slp_typ = *e == 0x0a ? e[1] : *e;
		}
	}
}

static void parse_fadt(const struct sdt_header *h, struct acpi_info *info)
{
	const uint8_t *f = (const uint8_t *)h;
	uint64_t dsdt = 0;
	uint32_t dsdt32;

	/* Offsets: ACPI 6.4, table 5.9; older firmware (ACPI 1.0/2.0) stops earlier. */
	if (h->length < 116)
		return;
	info->has_i8042 = h->length >= 112 && (f[109] & 0x02) != 0;
	memcpy(&info->pm1a_cnt, f + 64, 4);
	if (h->length >= 268) {
		info->sleep_control_space = f[244];
		memcpy(&info->sleep_control_addr, f + 248, 8);
	}
	if (h->length >= 148)
		memcpy(&dsdt, f + 140, 8);
	if (!dsdt) {
		memcpy(&dsdt32, f + 40, 4);
		dsdt = dsdt32;
	}
	if (dsdt && checksum_ok((void *)dsdt, ((struct sdt_header *)dsdt)->length))
		parse_dsdt((const struct sdt_header *)dsdt, info);
}

static void parse_table(const struct sdt_header *t, struct acpi_info *info)
{
	memcpy(info->tables[info->nr_tables++], t->sig, 4);
	if (!memcmp(t->sig, "APIC", 4))
		parse_madt(t, info);
	else if (!memcmp(t->sig, "FACP", 4))
		parse_fadt(t, info);
	else if (!memcmp(t->sig, "MCFG", 4) && t->length >= 60)
		memcpy(&info->ecam_base, (const uint8_t *)t + 44, 8);
	else if (!memcmp(t->sig, "DMAR", 4) && t->length >= 64)
		memcpy(&info->dmar_base, (const uint8_t *)t + 48 + 8, 8);	/* first DRHD */
}

/*
 * The XSDT (8-byte entries) where the RSDP has one, else the RSDT (4-byte
 * entries): ACPI 1.0 firmware such as SeaBIOS gives only the latter.
 */
int acpi_parse(uint64_t rsdp, struct acpi_info *info)
{
	const uint8_t *r = (const uint8_t *)rsdp;
	const struct sdt_header *sdt;
	uint64_t sdt_addr = 0;
	uint32_t rsdt_addr;
	unsigned i, n, entry;

	memset(info, 0, sizeof(*info));
	info->rsdp = rsdp;
	info->s5_slp_typ = -1;
	if (!rsdp || memcmp(r, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return -1;
	if (r[15] >= 2) {
		if (!checksum_ok(r, 36))
			return -1;
		memcpy(&sdt_addr, r + 24, 8);
	}
	entry = 8;
	if (!sdt_addr) {
		memcpy(&rsdt_addr, r + 16, 4);
		sdt_addr = rsdt_addr;
		entry = 4;
	}
	sdt = (const struct sdt_header *)sdt_addr;
	if (memcmp(sdt->sig, entry == 8 ? "XSDT" : "RSDT", 4) || !checksum_ok(sdt, sdt->length))
		return -1;
	n = (sdt->length - sizeof(*sdt)) / entry;
	for (i = 0; i < n && info->nr_tables < 16; i++) {
		const struct sdt_header *t;
		uint64_t addr = 0;

		memcpy(&addr, (const uint8_t *)sdt + sizeof(*sdt) + entry * i, entry);
		t = (const struct sdt_header *)addr;
		if (!checksum_ok(t, t->length))
			return -1;
		parse_table(t, info);
	}
	return 0;
}

void acpi_poweroff(const struct acpi_info *info)
{
	/* SLP_TYP in bits 4:2, SLP_EN in bit 5 (ACPI 6.4, 4.8.3.7). */
	uint8_t v = (uint8_t)(((info->s5_slp_typ & 7) << 2) | 0x20);

	if (info->sleep_control_addr && info->s5_slp_typ >= 0) {
		if (info->sleep_control_space == 1)
			outb((uint16_t)info->sleep_control_addr, v);
		else
			*(volatile uint8_t *)info->sleep_control_addr = v;
	} else if (info->pm1a_cnt && info->s5_slp_typ >= 0) {
		/* Fixed hardware: SLP_TYP in bits 12:10, SLP_EN bit 13 (ACPI 6.4, 4.8.3.2.1). */
		uint16_t cnt = (uint16_t)(((info->s5_slp_typ & 7) << 10) | 1 << 13);

		__asm__ volatile("outw %0, %1" : : "a"(cnt), "Nd"((uint16_t)info->pm1a_cnt));
	}
	/* The VMM may take a moment to act on the request. */
	wait_flag(&(volatile uint32_t){ 0 }, 20ull * 1000 * 1000 * 1000);
	con_printf("vessel-guest: ACPI poweroff did not stop the machine\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}
