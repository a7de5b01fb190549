/*
 * The host side a fuzzed device talks to, with nothing behind it: MSI and
 * MSI-X messages, output bytes and the keyboard's reset line go nowhere,
 * interrupt lines go to an I/O APIC, and the RTC's clock stands still so
 * that a run repeats.
 */
#ifndef VESSEL_FUZZ_SINKS_H
#define VESSEL_FUZZ_SINKS_H

#include "hw/ioapic.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline void fuzz_msi_send(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static inline void fuzz_msi_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)v;
	(void)addr;
	(void)data;
}

static inline void fuzz_msi_fire(void *opaque, unsigned v)
{
	(void)opaque;
	(void)v;
}

static inline void fuzz_line_set(void *opaque, unsigned gsi, int level)
{
	ioapic_set_irq(opaque, gsi, level);
}

static inline void fuzz_sink_write(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	(void)len;
}

static inline void fuzz_kbd_reset(void *opaque)
{
	(void)opaque;
}

static inline time_t fuzz_fixed_now(void)
{
	return 1700000000;
}

#endif
