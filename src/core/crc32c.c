#include "core/crc32c.h"

#include <string.h>

#define CRC32C_POLY_REFLECTED 0x82f63b78u

/* One bit at a time: for hosts without SSE 4.2, and the reference for the unit test. */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	unsigned k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (CRC32C_POLY_REFLECTED & (0u - (crc & 1)));
	}
	return crc;
}

/* SSE 4.2's CRC32 instruction computes exactly CRC-32C, eight bytes a step. */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	crc = ~crc;
	if (__builtin_cpu_supports("sse4.2"))
		crc = crc32c_sse42(crc, buf, len);
	else
		crc = crc32c_bitwise(crc, buf, len);
	return ~crc;
}
