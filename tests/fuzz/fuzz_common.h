/*
 * What the fuzz targets share: libFuzzer's entry points, a quiet log, and
 * guest RAM from address 0 (a target that cannot get it aborts: it would
 * only report false crashes).
 */
#ifndef VESSEL_FUZZ_COMMON_H
#define VESSEL_FUZZ_COMMON_H

#include "core/guest_mem.h"
#include "core/log.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_guest_mem(struct guest_mem *gm, uint64_t size)
{
	struct guest_mem_range r = { 0, size };

	log_set_quiet(true);
	if (guest_mem_init(gm, &r, 1, GUEST_MEM_ANON, NULL))
		abort();
}

#endif
