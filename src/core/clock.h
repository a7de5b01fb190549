/* The monotonic clock, in nanoseconds: for uptimes, intervals and poll windows. */
#ifndef VESSEL_CORE_CLOCK_H
#define VESSEL_CORE_CLOCK_H

#include <stdint.h>

uint64_t now_ns(void);

#endif
