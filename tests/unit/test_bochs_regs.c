/* The bochs-display register model: EDID, DISPI modes and what it refuses, QEMU's ext regs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "display/bochs_regs.h"

#define FB_SIZE		(16ull << 20)

static uint16_t dispi(const struct bochs_regs *r, unsigned index)
{
	return (uint16_t)bochs_regs_read(r, BOCHS_DISPI_OFF + 2 * index, 2);
}

static void set(struct bochs_regs *r, unsigned index, uint16_t v)
{
	bochs_regs_write(r, BOCHS_DISPI_OFF + 2 * index, v, 2);
}

/* Linux's bochs driver's mode set (drivers/gpu/drm/tiny/bochs.c, bochs_hw_setmode). */
static void set_mode(struct bochs_regs *r, unsigned w, unsigned h, unsigned bpp)
{
	set(r, VBE_DISPI_INDEX_ENABLE, 0);
	set(r, VBE_DISPI_INDEX_BPP, (uint16_t)bpp);
	set(r, VBE_DISPI_INDEX_XRES, (uint16_t)w);
	set(r, VBE_DISPI_INDEX_YRES, (uint16_t)h);
	set(r, VBE_DISPI_INDEX_BANK, 0);
	set(r, VBE_DISPI_INDEX_VIRT_WIDTH, (uint16_t)w);
	set(r, VBE_DISPI_INDEX_VIRT_HEIGHT, (uint16_t)(h * 2));
	set(r, VBE_DISPI_INDEX_X_OFFSET, 0);
	set(r, VBE_DISPI_INDEX_Y_OFFSET, 0);
	set(r, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
}

static void test_edid(void **state)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	struct bochs_regs r;
	uint8_t e[EDID_BLOCK_SIZE], sum = 0;
	unsigned i;

	(void)state;
	bochs_regs_init(&r, FB_SIZE, 1280, 720);
	for (i = 0; i < EDID_BLOCK_SIZE; i++) {
		e[i] = (uint8_t)bochs_regs_read(&r, BOCHS_EDID_OFF + i, 1);
		sum = (uint8_t)(sum + e[i]);
	}
	assert_memory_equal(e, header, 8);
	assert_int_equal(sum, 0);			/* the checksum */
	assert_int_equal(e[18], 1);			/* EDID 1.4 */
	assert_int_equal(e[19], 4);
	assert_int_equal(e[56] | (e[58] >> 4) << 8, 1280);	/* preferred: the first DTD */
	assert_int_equal(e[59] | (e[61] >> 4) << 8, 720);
	assert_int_equal(e[38], 1152 / 8 - 31);		/* standard timings, up to 1920x1080 */
	assert_int_equal(e[52], 1920 / 8 - 31);
	assert_int_equal(e[53] >> 6, 3);		/* 16:9 */
	assert_int_equal(e[75], 0xfc);			/* the name descriptor */
	assert_memory_equal(e + 77, "vessel\n", 7);
	/* Wider reads, little-endian; past the block, zeros. */
	assert_int_equal(bochs_regs_read(&r, 0, 4), 0xffffff00);
	assert_int_equal(bochs_regs_read(&r, 0x200, 4), 0);
	assert_int_equal(bochs_regs_read(&r, 126, 4), e[126] | e[127] << 8);
}

static void test_mode(void **state)
{
	struct display_scanout s;
	struct bochs_regs r;

	(void)state;
	bochs_regs_init(&r, FB_SIZE, 1024, 768);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_VIDEO_MEMORY_64K), FB_SIZE >> 16);
	bochs_regs_scanout(&r, &s);
	assert_false(s.enabled);
	set_mode(&r, 1920, 1080, 32);
	bochs_regs_scanout(&r, &s);
	assert_true(s.enabled);
	assert_int_equal(s.width, 1920);
	assert_int_equal(s.height, 1080);
	assert_int_equal(s.stride, 1920 * 4);
	assert_int_equal(s.offset, 0);
	assert_int_equal(r.mode_sets, 1);
	assert_int_equal(r.refused, 0);
	/* VIRT_HEIGHT reads what the memory holds at this width. */
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_VIRT_HEIGHT), FB_SIZE / (1920 * 4));
	/* Panning to the second buffer (double buffering): the offset moves. */
	set(&r, VBE_DISPI_INDEX_Y_OFFSET, 1080);
	bochs_regs_scanout(&r, &s);
	assert_int_equal(s.offset, 1080ull * 1920 * 4);
}

static void test_refused(void **state)
{
	struct display_scanout s, before;
	struct bochs_regs r;

	(void)state;
	bochs_regs_init(&r, FB_SIZE, 1024, 768);
	set_mode(&r, 2560, 1440, 32);			/* too large */
	bochs_regs_scanout(&r, &s);
	assert_false(s.enabled);
	assert_true(r.refused > 0);
	set_mode(&r, 1024, 768, 16);			/* only 32 bpp */
	bochs_regs_scanout(&r, &s);
	assert_false(s.enabled);
	set_mode(&r, 0, 768, 32);
	bochs_regs_scanout(&r, &s);
	assert_false(s.enabled);
	set_mode(&r, 1024, 768, 32);
	bochs_regs_scanout(&r, &before);
	assert_true(before.enabled);
	/* While enabled, a write that would leave the framebuffer is refused: nothing changes. */
	r.refused = 0;
	set(&r, VBE_DISPI_INDEX_Y_OFFSET, 0xffff);
	set(&r, VBE_DISPI_INDEX_X_OFFSET, 1);		/* x + width past virt_width */
	set(&r, VBE_DISPI_INDEX_XRES, 4096);
	set(&r, VBE_DISPI_INDEX_VIRT_WIDTH, 0xffff);	/* 0xffff * 4 * 768 > 16 MiB */
	set(&r, VBE_DISPI_INDEX_BPP, 8);
	set(&r, VBE_DISPI_INDEX_BANK, 3);
	set(&r, VBE_DISPI_INDEX_ID, 0x1234);
	bochs_regs_scanout(&r, &s);
	assert_int_equal(r.refused, 6);			/* ID writes are ignored, not counted */
	assert_int_equal(s.width, before.width);
	assert_int_equal(s.offset, before.offset);
	assert_int_equal(s.stride, before.stride);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
	/* Odd offsets and widths: no register, all ones. */
	assert_int_equal(bochs_regs_read(&r, BOCHS_DISPI_OFF + 1, 2), ~0ull);
	assert_int_equal(bochs_regs_read(&r, BOCHS_DISPI_OFF, 4), ~0ull);
	assert_int_equal(bochs_regs_read(&r, 0xfff, 1), ~0ull);
	assert_int_equal(bochs_regs_read(&r, 0, 3), ~0ull);
}

static void test_getcaps_and_qext(void **state)
{
	struct display_scanout s;
	struct bochs_regs r;
	uint32_t gen;

	(void)state;
	bochs_regs_init(&r, FB_SIZE, 1024, 768);
	set(&r, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_XRES), BOCHS_MAX_WIDTH);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_YRES), BOCHS_MAX_HEIGHT);
	assert_int_equal(dispi(&r, VBE_DISPI_INDEX_BPP), 32);
	assert_int_equal(bochs_regs_read(&r, BOCHS_QEXT_OFF + BOCHS_QEXT_REG_SIZE, 4),
			 BOCHS_QEXT_SIZE);
	assert_int_equal(bochs_regs_read(&r, BOCHS_QEXT_OFF + BOCHS_QEXT_REG_BYTEORDER, 4),
			 BOCHS_QEXT_LITTLE_ENDIAN);
	gen = r.generation;
	bochs_regs_write(&r, BOCHS_QEXT_OFF + BOCHS_QEXT_REG_BYTEORDER, BOCHS_QEXT_BIG_ENDIAN, 4);
	bochs_regs_scanout(&r, &s);
	assert_true(s.big_endian);
	assert_int_not_equal(s.generation, gen);
	bochs_regs_write(&r, BOCHS_QEXT_OFF + BOCHS_QEXT_REG_BYTEORDER, 0x12345678, 4);
	assert_int_equal(bochs_regs_read(&r, BOCHS_QEXT_OFF + BOCHS_QEXT_REG_BYTEORDER, 4),
			 BOCHS_QEXT_BIG_ENDIAN);
	/* The VGA area takes Linux's unblanking write and nothing else happens. */
	gen = r.generation;
	bochs_regs_write(&r, BOCHS_VGA_OFF, 0x20, 1);
	assert_int_equal(r.generation, gen);
	bochs_regs_reset(&r);
	bochs_regs_scanout(&r, &s);
	assert_false(s.big_endian);
	assert_false(s.enabled);
}

static void test_valid_for_restore(void **state)
{
	uint16_t d[VBE_DISPI_INDEX_NB] = { [VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5 };
	struct bochs_regs r;

	(void)state;
	bochs_regs_init(&r, FB_SIZE, 1024, 768);
	assert_true(bochs_regs_valid(&r, d));
	d[VBE_DISPI_INDEX_ENABLE] = VBE_DISPI_ENABLED;
	assert_false(bochs_regs_valid(&r, d));		/* enabled with no mode */
	d[VBE_DISPI_INDEX_XRES] = 800;
	d[VBE_DISPI_INDEX_YRES] = 600;
	d[VBE_DISPI_INDEX_BPP] = 32;
	assert_true(bochs_regs_valid(&r, d));
	d[VBE_DISPI_INDEX_Y_OFFSET] = 6000;
	assert_false(bochs_regs_valid(&r, d));
	d[VBE_DISPI_INDEX_Y_OFFSET] = 0;
	d[VBE_DISPI_INDEX_ID] = 0xb0c0;
	assert_false(bochs_regs_valid(&r, d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edid),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_getcaps_and_qext),
		cmocka_unit_test(test_valid_for_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
