/* Parsing of size strings such as "512M" or "4G". */
#ifndef VESSEL_CORE_SIZE_H
#define VESSEL_CORE_SIZE_H

#include <stdint.h>

/*
 * Parse a decimal number with an optional K, M, G or T suffix (powers of
 * 1024, case-insensitive, an optional trailing 'B' or 'iB' allowed). A bare
 * number is taken in units of @default_unit bytes. Returns 0 and stores the
 * byte count, or -1 on a malformed or overflowing string.
 */
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);

/* Parse a non-negative decimal integer no larger than @max. */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
