/* ACPI tables: structure, checksums, and a round trip through iasl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "acpi/acpi.h"
#include "core/layout.h"
#include "hw/acpi_pm.h"
#include "hw/i8042.h"
#include "hw/pvpanic.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "core/io_bus.h"
#include "machine/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AREA 0x20000

static uint8_t area[AREA];

/* The legacy devices a machine has, each describing itself through the registry. */
static void devices(struct aml *a, void *opaque)
{
	struct irq_line com1 = { .gsi = COM1_IRQ }, kbd = { .gsi = I8042_KBD_IRQ };
	struct uart_sink sink = { 0 };
	struct pvpanic pvpanic = { 0 };
	struct registry reg;
	struct io_bus pio;
	struct uart16550 *u = uart16550_create(&com1, &sink);

	(void)opaque;
	io_bus_init(&pio);
	registry_init(&reg);
	assert_non_null(u);
	assert_int_equal(uart16550_attach(u, &pio, COM1_PORT), 0);
	assert_int_equal(registry_add(&reg, &uart16550_device_ops, u, NULL), 0);
	assert_int_equal(registry_add(&reg, &i8042_device_ops, i8042_create(&kbd, &kbd, NULL, NULL), NULL), 0);
	assert_int_equal(registry_add(&reg, &rtc_device_ops, rtc_create(NULL), NULL), 0);
	assert_int_equal(registry_add(&reg, &pvpanic_device_ops, &pvpanic, NULL), 0);
	registry_acpi(&reg, a);
	registry_destroy(&reg);
	io_bus_destroy(&pio);
}

static size_t build(unsigned cpus)
{
	struct acpi_config c = {
		.nr_cpus = cpus,
		.ioapic_addr = IOAPIC_ADDR,
		.lapic_addr = LAPIC_ADDR,
		.sleep_control_port = ACPI_SLEEP_CONTROL_PORT,
		.sleep_status_port = ACPI_SLEEP_STATUS_PORT,
		.reset_port = ACPI_RESET_PORT,
		.reset_value = ACPI_RESET_VALUE,
		.s5_slp_typ = ACPI_S5_SLP_TYP,
		.dsdt_devices = devices,
	};

	memset(area, 0xcc, sizeof(area));
	return acpi_build(&c, area, sizeof(area), ACPI_TABLES_ADDR);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *at(uint64_t gpa)
{
	assert_true(gpa >= ACPI_TABLES_ADDR && gpa < ACPI_TABLES_ADDR + AREA);
	return area + (gpa - ACPI_TABLES_ADDR);
}

static uint32_t len_of(const uint8_t *t)
{
	uint32_t l;

	memcpy(&l, t + 4, 4);
	return l;
}

/* The table with signature @sig, found through RSDP and XSDT. */
static const uint8_t *find(const char *sig)
{
	uint64_t xsdt_addr, addr;
	const uint8_t *xsdt;
	unsigned i, n;

	memcpy(&xsdt_addr, area + 24, 8);
	xsdt = at(xsdt_addr);
	n = (len_of(xsdt) - 36) / 8;
	for (i = 0; i < n; i++) {
		memcpy(&addr, xsdt + 36 + 8 * i, 8);
		if (!memcmp(at(addr), sig, 4))
			return at(addr);
	}
	if (!strcmp(sig, "DSDT")) {
		memcpy(&addr, find("FACP") + 140, 8);
		return at(addr);
	}
	return NULL;
}

static void test_rsdp_xsdt(void **state)
{
	const uint8_t *xsdt;
	uint64_t xsdt_addr;

	(void)state;
	assert_true(build(2) > 0);
	assert_memory_equal(area, "RSD PTR ", 8);
	assert_int_equal(area[15], 2);			/* revision: ACPI 2.0+ */
	assert_int_equal(sum(area, 20), 0);
	assert_int_equal(sum(area, 36), 0);
	memcpy(&xsdt_addr, area + 24, 8);
	xsdt = at(xsdt_addr);
	assert_memory_equal(xsdt, "XSDT", 4);
	assert_int_equal(sum(xsdt, len_of(xsdt)), 0);
	assert_int_equal(len_of(xsdt), 36 + 2 * 8);	/* FACP and APIC */
}

static void test_every_table_checksums(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "DSDT" };
	unsigned i;

	(void)state;
	assert_true(build(4) > 0);
	for (i = 0; i < 3; i++) {
		const uint8_t *t = find(sigs[i]);

		assert_non_null(t);
		assert_int_equal(sum(t, len_of(t)), 0);
	}
}

static void test_fadt_hw_reduced(void **state)
{
	const uint8_t *f;
	uint32_t flags;
	uint64_t addr;

	(void)state;
	assert_true(build(1) > 0);
	f = find("FACP");
	assert_int_equal(len_of(f), 276);
	assert_int_equal(f[8], 6);			/* revision */
	memcpy(&flags, f + 112, 4);
	assert_true(flags & (1u << 20));		/* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 10));		/* RESET_REG_SUP */
	assert_int_equal(f[116], 1);			/* reset register in I/O space */
	memcpy(&addr, f + 120, 8);
	assert_int_equal(addr, ACPI_RESET_PORT);
	assert_int_equal(f[128], ACPI_RESET_VALUE);
	assert_int_equal(f[244], 1);			/* sleep control in I/O space */
	memcpy(&addr, f + 248, 8);
	assert_int_equal(addr, ACPI_SLEEP_CONTROL_PORT);
	memcpy(&addr, f + 260, 8);
	assert_int_equal(addr, ACPI_SLEEP_STATUS_PORT);
	assert_true(f[109] & 0x02);			/* 8042 present */
}

static void test_madt_lists_cpus(void **state)
{
	const uint8_t *m, *p, *end;
	unsigned cpus = 0, ioapics = 0;
	uint32_t addr;

	(void)state;
	assert_true(build(3) > 0);
	m = find("APIC");
	memcpy(&addr, m + 36, 4);
	assert_int_equal(addr, LAPIC_ADDR);
	end = m + len_of(m);
	for (p = m + 44; p < end; p += p[1]) {
		assert_true(p[1] >= 2);
		if (p[0] == 0) {
			assert_int_equal(p[3], cpus);	/* APIC ids 0..n-1 */
			assert_int_equal(p[4] & 1, 1);
			cpus++;
		} else if (p[0] == 1) {
			memcpy(&addr, p + 4, 4);
			assert_int_equal(addr, IOAPIC_ADDR);
			ioapics++;
		}
	}
	assert_int_equal(cpus, 3);
	assert_int_equal(ioapics, 1);
}

static void test_bad_configs(void **state)
{
	struct acpi_config c = { .nr_cpus = 0 };

	(void)state;
	assert_int_equal(acpi_build(&c, area, sizeof(area), 0), 0);
	c.nr_cpus = 300;
	assert_int_equal(acpi_build(&c, area, sizeof(area), 0), 0);
	c.nr_cpus = 2;
	assert_int_equal(acpi_build(&c, area, 64, 0), 0);	/* too small an area */
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Disassemble every table with iasl; recompile the DSDT; both must be clean. */
static void test_iasl_round_trip(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "DSDT" };
	const char *iasl = getenv("IASL");
	char dir[] = "/tmp/vessel-acpi-XXXXXX", cmd[512], path[256];
	char *dsl;
	unsigned i;

	(void)state;
	if (!iasl || !*iasl)
		skip();
	assert_true(build(2) > 0);
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		const uint8_t *t = find(sigs[i]);

		snprintf(path, sizeof(path), "%s/%s.dat", dir, sigs[i]);
		write_file(path, t, len_of(t));
		snprintf(cmd, sizeof(cmd), "cd %s && %s -d %s.dat > %s.log 2>&1", dir, iasl,
			 sigs[i], sigs[i]);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/%s.dsl", dir, sigs[i]);
		dsl = slurp(path);
		/* iasl flags a bad checksum or length in the disassembly. */
		assert_null(strstr(dsl, "Incorrect checksum"));
		assert_null(strstr(dsl, "Invalid"));
		if (!strcmp(sigs[i], "DSDT")) {
			assert_non_null(strstr(dsl, "PNP0501"));
			assert_non_null(strstr(dsl, "PNP0303"));
			assert_non_null(strstr(dsl, "PNP0B00"));
			assert_non_null(strstr(dsl, "QEMU0001"));
			assert_non_null(strstr(dsl, "_S5"));
			assert_non_null(strstr(dsl, "IO (Decode16"));
			assert_non_null(strstr(dsl, "0x03F8"));
		}
		if (!strcmp(sigs[i], "FACP"))
			assert_non_null(strstr(dsl, "Hardware Reduced (V5) : 1"));
		free(dsl);
	}
	/* The disassembled DSDT must compile back to AML without errors. */
	snprintf(cmd, sizeof(cmd), "cd %s && %s -p recompiled DSDT.dsl > recompile.log 2>&1", dir,
		 iasl);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_xsdt),
		cmocka_unit_test(test_every_table_checksums),
		cmocka_unit_test(test_fadt_hw_reduced),
		cmocka_unit_test(test_madt_lists_cpus),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_iasl_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
