/*
 * libFuzzer target: passt's stream framing, the input being the bytes a passt
 * (or whatever listens on its socket) sends. Every frame passt_next_frame
 * finds lies inside the input, with a length from 1 to PASST_MAX_FRAME; where
 * it stops, what is left is too short or says a length it does not hold (0),
 * or a length out of range (-1); and the frames it found, framed again with
 * passt_put_len, are the input up to there byte for byte.
 */
#include "backend/passt_stream.h"

#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(size + 1);
	size_t off = 0, out_len = 0, left;
	const uint8_t *frame;
	uint32_t len;
	int r;

	if (!out)
		return 0;
	while ((r = passt_next_frame(data + off, size - off, &frame, &len)) == 1) {
		if (frame != data + off + PASST_LEN_SIZE || len == 0 || len > PASST_MAX_FRAME ||
		    len > size - off - PASST_LEN_SIZE)
			abort();
		passt_put_len(out + out_len, len);
		memcpy(out + out_len + PASST_LEN_SIZE, frame, len);
		out_len += PASST_LEN_SIZE + len;
		off += PASST_LEN_SIZE + len;
	}
	left = size - off;
	if (r == 0 && left >= PASST_LEN_SIZE &&
	    (be32(data + off) == 0 || be32(data + off) > PASST_MAX_FRAME ||
	     be32(data + off) <= left - PASST_LEN_SIZE))
		abort();
	if (r < 0 && (left < PASST_LEN_SIZE ||
		      (be32(data + off) != 0 && be32(data + off) <= PASST_MAX_FRAME)))
		abort();
	if (out_len != off || memcmp(out, data, off))
		abort();
	free(out);
	return 0;
}
