/* passt's stream framing: a big-endian length before each frame. */
#include "backend/passt_stream.h"

int passt_next_frame(const uint8_t *buf, size_t len, const uint8_t **frame,
		     uint32_t *frame_len)
{
	uint32_t n;

	if (len < PASST_LEN_SIZE)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n == 0 || n > PASST_MAX_FRAME)
		return -1;
	if (len - PASST_LEN_SIZE < n)
		return 0;
	*frame = buf + PASST_LEN_SIZE;
	*frame_len = n;
	return 1;
}

void passt_put_len(uint8_t *b, uint32_t len)
{
	b[0] = (uint8_t)(len >> 24);
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
}
