/* Starting the application processors with INIT and STARTUP IPIs (SDM vol. 3A, 9.4). */
#include "guest.h"

#define TRAMPOLINE_ADDR	0x8000		/* page-aligned, below 1 MiB: SIPI vector 0x08 */
#define ICR_INIT	0x00004500	/* INIT, level assert */
#define ICR_STARTUP	0x00004600
#define AP_WAIT_CYCLES	(20ull * 1000 * 1000 * 1000)

extern const uint8_t ap_tramp_start[], ap_tramp_end[];
static volatile uint32_t ap_slot, ap_count;
static volatile uint8_t ap_ids[GUEST_MAX_CPUS];

void ap_main(unsigned cpu)
{
	uint32_t r[4];
	unsigned n;

	(void)cpu;
	cpuid(1, 0, r);
	/* Claim a slot, fill it, and only then count this CPU as online. */
	n = __atomic_fetch_add(&ap_slot, 1, __ATOMIC_SEQ_CST);
	if (n < GUEST_MAX_CPUS)
		ap_ids[n] = (uint8_t)(r[1] >> 24);
	__atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
}

/* Start every CPU the MADT lists; returns how many are online (BSP included). */
unsigned smp_boot(const struct acpi_info *info, uint8_t *online_ids)
{
	unsigned self = lapic_id(), i, expected = 0, n;
	uint64_t start;

	memcpy((void *)TRAMPOLINE_ADDR, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	for (i = 0; i < info->nr_cpus; i++) {
		unsigned id = info->apic_ids[i];

		if (id == self)
			continue;
		expected++;
		lapic_send_ipi(id, ICR_INIT);
		lapic_send_ipi(id, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12));
		lapic_send_ipi(id, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12));
	}
	start = rdtsc();
	while (ap_count < expected && rdtsc() - start < AP_WAIT_CYCLES)
		cpu_relax();
	online_ids[0] = (uint8_t)self;
	n = ap_count < expected ? ap_count : expected;
	for (i = 0; i < n && i + 1 < GUEST_MAX_CPUS; i++)
		online_ids[i + 1] = ap_ids[i];
	return n + 1;
}
