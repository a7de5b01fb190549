/*
 * The snapshot state file (api/snapshot_file.c): a round trip keeps every
 * field; each way a file can be damaged (cut short anywhere, any byte
 * flipped, another version, bytes after the end, inconsistent fields) is
 * refused with its reason; CRC-32C matches its published check value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/snapshot_file.h"
#include "api/snapshot_ident.h"
#include "core/crc32c.h"

#include <stdlib.h>
#include <string.h>

#define PAGES 64

static const char config[] = "{\"memory_mib\":256}";
static const uint8_t state[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static uint8_t bitmap[PAGES / 8] = { 0x81, 0, 0, 0, 0, 0, 0, 0x40 };

static void sample(struct snapshot_info *s, enum snapshot_type type)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	strcpy(s->cpu.vendor, "GenuineIntel");
	s->cpu.family = 6;
	s->cpu.model = 0x55;
	s->cpu.nr_features = 3;
	s->cpu.features[0] = 0xdeadbeef;
	s->cpu.features[2] = 7;
	s->config = config;
	s->config_len = strlen(config);
	s->nr_disks = 2;
	strcpy(s->disks[0].path, "/images/a.img");
	s->disks[0].size = 1 << 20;
	s->disks[0].mtime_ns = 123456789;
	s->disks[0].head_crc = 0x11111111;
	s->disks[0].tail_crc = 0x22222222;
	strcpy(s->disks[1].path, "/images/b.img");
	s->ram_size = PAGES * SNAPSHOT_PAGE_SIZE;
	if (type == SNAPSHOT_DIFF) {
		strcpy(s->parent, "/snapshots/base");
		s->bitmap = bitmap;
		s->bitmap_len = sizeof(bitmap);
	}
	s->state = state;
	s->state_len = sizeof(state);
}

static void build(const struct snapshot_info *s, struct state_writer *w)
{
	state_writer_init(w);
	snapshot_file_build(s, w);
	assert_false(w->failed);
}

static void test_round_trip(void **st)
{
	enum snapshot_type types[] = { SNAPSHOT_FULL, SNAPSHOT_DIFF };
	unsigned i;

	(void)st;
	for (i = 0; i < 2; i++) {
		struct snapshot_info in, *out = malloc(sizeof(*out));
		struct state_writer w;
		struct error err = { 0 };

		sample(&in, types[i]);
		build(&in, &w);
		assert_int_equal(snapshot_file_parse(w.buf, w.len, out, &err), 0);
		assert_int_equal(out->type, in.type);
		assert_string_equal(out->cpu.vendor, "GenuineIntel");
		assert_int_equal(out->cpu.model, 0x55);
		assert_int_equal(out->cpu.nr_features, 3);
		assert_int_equal(out->cpu.features[0], 0xdeadbeef);
		assert_int_equal(out->config_len, strlen(config));
		assert_memory_equal(out->config, config, strlen(config));
		assert_int_equal(out->nr_disks, 2);
		assert_string_equal(out->disks[0].path, "/images/a.img");
		assert_int_equal(out->disks[0].mtime_ns, 123456789);
		assert_int_equal(out->disks[0].tail_crc, 0x22222222);
		assert_string_equal(out->disks[1].path, "/images/b.img");
		assert_string_equal(out->parent, in.parent);
		assert_int_equal(out->ram_size, in.ram_size);
		assert_int_equal(out->bitmap_len, in.bitmap_len);
		if (in.bitmap_len) {
			assert_memory_equal(out->bitmap, bitmap, sizeof(bitmap));
			assert_true(snapshot_page_set(out->bitmap, 0));
			assert_true(snapshot_page_set(out->bitmap, 7));
			assert_false(snapshot_page_set(out->bitmap, 1));
			assert_true(snapshot_page_set(out->bitmap, 62));
		}
		assert_int_equal(out->state_len, sizeof(state));
		assert_memory_equal(out->state, state, sizeof(state));
		state_writer_free(&w);
		free(out);
	}
}

static int parse(const uint8_t *buf, size_t len, struct error *err)
{
	struct snapshot_info *s = malloc(sizeof(*s));
	int r;

	memset(err, 0, sizeof(*err));
	r = snapshot_file_parse(buf, len, s, err);
	free(s);
	return r;
}

static void test_every_cut_and_flip_refused(void **st)
{
	struct snapshot_info in;
	struct state_writer w;
	struct error err;
	size_t i;

	(void)st;
	sample(&in, SNAPSHOT_DIFF);
	build(&in, &w);
	for (i = 0; i < w.len; i++) {
		assert_int_equal(parse(w.buf, i, &err), -1);
		assert_true(err.msg[0]);
	}
	assert_int_equal(parse(w.buf, SNAPSHOT_HEADER_LEN + 1, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	for (i = 0; i < w.len; i++) {
		w.buf[i] ^= 0x10;
		assert_int_equal(parse(w.buf, w.len, &err), -1);
		w.buf[i] ^= 0x10;
	}
	w.buf[w.len - 1] ^= 1;
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "checksum"));
	w.buf[w.len - 1] ^= 1;
	assert_int_equal(parse(w.buf, w.len, &err), 0);
	state_writer_free(&w);
}

static void test_version_and_trailing_bytes(void **st)
{
	struct snapshot_info in;
	struct state_writer w;
	struct error err;
	uint8_t *longer;

	(void)st;
	sample(&in, SNAPSHOT_FULL);
	build(&in, &w);
	w.buf[8] = 2;
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "format version 2"));
	w.buf[8] = SNAPSHOT_FORMAT_VERSION;
	longer = calloc(1, w.len + 3);
	memcpy(longer, w.buf, w.len);
	assert_int_equal(parse(longer, w.len + 3, &err), -1);
	assert_non_null(strstr(err.msg, "3 bytes after its end"));
	memcpy(longer, "VESSNAQ\n", 8);
	assert_int_equal(parse(longer, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "not a vessel snapshot"));
	free(longer);
	state_writer_free(&w);
}

/* Fields that contradict each other are refused even with a good checksum. */
static void test_inconsistent_fields(void **st)
{
	struct snapshot_info in;
	struct state_writer w;
	struct error err;

	(void)st;
	sample(&in, SNAPSHOT_FULL);
	strcpy(in.parent, "/somewhere");
	build(&in, &w);
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "full snapshot with a parent"));
	state_writer_free(&w);

	sample(&in, SNAPSHOT_DIFF);
	in.bitmap_len = 2;
	build(&in, &w);
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "page bitmap"));
	state_writer_free(&w);

	sample(&in, SNAPSHOT_FULL);
	in.ram_size = 4097;
	build(&in, &w);
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "RAM of 4097 bytes"));
	state_writer_free(&w);

	sample(&in, SNAPSHOT_FULL);
	in.cpu.nr_features = SNAPSHOT_CPU_WORDS_MAX + 1;
	build(&in, &w);
	assert_int_equal(parse(w.buf, w.len, &err), -1);
	state_writer_free(&w);
}

static void test_cpu_check(void **st)
{
	struct snapshot_info a, b;
	struct error err = { 0 };

	(void)st;
	sample(&a, SNAPSHOT_FULL);
	sample(&b, SNAPSHOT_FULL);
	assert_int_equal(snapshot_cpu_check(&a.cpu, &b.cpu, &err), 0);
	b.cpu.features[1] = 0xff;	/* the host has more: fine */
	assert_int_equal(snapshot_cpu_check(&a.cpu, &b.cpu, &err), 0);
	b.cpu.features[0] &= ~1u;	/* the host lacks one the guest had */
	assert_int_equal(snapshot_cpu_check(&a.cpu, &b.cpu, &err), -1);
	assert_non_null(strstr(err.msg, "bits 0x00000001"));
	sample(&b, SNAPSHOT_FULL);
	b.cpu.model = 0x56;
	assert_int_equal(snapshot_cpu_check(&a.cpu, &b.cpu, &err), -1);
	assert_non_null(strstr(err.msg, "another CPU"));
}

/* RFC 3720, B.4: CRC-32C of "123456789" is 0xe3069283; 32 zero bytes 0x8a9136aa. */
static void test_crc32c(void **st)
{
	uint8_t zeros[32] = { 0 };
	uint8_t big[1000];
	unsigned i;

	(void)st;
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(0, zeros, sizeof(zeros)), 0x8a9136aa);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	/* In pieces of any size, the same value. */
	assert_int_equal(crc32c(crc32c(0, big, 333), big + 333, sizeof(big) - 333),
			 crc32c(0, big, sizeof(big)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_cut_and_flip_refused),
		cmocka_unit_test(test_version_and_trailing_bytes),
		cmocka_unit_test(test_inconsistent_fields),
		cmocka_unit_test(test_cpu_check),
		cmocka_unit_test(test_crc32c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
