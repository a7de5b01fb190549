/*
 * libFuzzer target: a snapshot's state file (api/snapshot_file.c) is user
 * input, read by vessel run --restore. Each input is parsed as it is, and
 * again with its checksum made right (past the CRC, the fuzzer would
 * otherwise reach little of the payload's parser). A parse that succeeds
 * must leave every pointer inside the input; refusals are fine, crashes,
 * reads out of bounds and leaks are not.
 */
#include "api/snapshot_file.h"
#include "core/crc32c.h"

#include <stdlib.h>
#include <string.h>

static void check_inside(const struct snapshot_info *s, const uint8_t *buf, size_t len)
{
	const uint8_t *end = buf + len;

	if ((const uint8_t *)s->config < buf || (const uint8_t *)s->config + s->config_len > end ||
	    (s->bitmap_len && (s->bitmap < buf || s->bitmap + s->bitmap_len > end)) ||
	    s->state < buf || s->state + s->state_len > end)
		abort();
	if (s->type == SNAPSHOT_DIFF && s->bitmap_len * 8 < s->ram_size / SNAPSHOT_PAGE_SIZE)
		abort();
}

static void parse(const uint8_t *buf, size_t len)
{
	struct snapshot_info *s = malloc(sizeof(*s));
	struct error err;

	if (!s)
		return;
	if (snapshot_file_parse(buf, len, s, &err) == 0)
		check_inside(s, buf, len);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint32_t crc;

	parse(data, size);
	if (size < SNAPSHOT_HEADER_LEN)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	crc = crc32c(0, copy + SNAPSHOT_HEADER_LEN, size - SNAPSHOT_HEADER_LEN);
	memcpy(copy + 12, &crc, sizeof(crc));	/* little-endian hosts: the file's order */
	parse(copy, size);
	free(copy);
	return 0;
}
