/*
 * The EDID block of bochs-display's virtual monitor. Section numbers are
 * VESA E-EDID Standard release A, revision 2 (EDID 1.4).
 */
#include "display/edid.h"

#include <string.h>

#define REFRESH_HZ	60
/* CVT reduced blanking (VESA CVT 1.2, 3.4): fixed blanking, cheap to compute. */
#define RB_H_BLANK	160
#define RB_H_FRONT	48
#define RB_H_SYNC	32
#define RB_V_FRONT	3
#define RB_V_SYNC	6
#define RB_V_BLANK_MIN	23	/* lines: at least 460 us of vertical blanking at 60 Hz */
#define DPI_MM_NUM	254	/* 96 dots per inch: mm = pixels * 254 / 960 */
#define DPI_MM_DEN	960

struct std_mode {
	unsigned width, height;
	uint8_t aspect;		/* 3.9: bits 7-6 of a standard timing's second byte */
};

/* 3.9 aspect codes: 00 16:10, 01 4:3, 10 5:4, 11 16:9. */
static const struct std_mode std_modes[] = {
	{ 1152, 864, 1 }, { 1280, 720, 3 }, { 1280, 800, 0 }, { 1280, 1024, 2 },
	{ 1440, 900, 0 }, { 1600, 900, 3 }, { 1680, 1050, 0 }, { 1920, 1080, 3 },
};

static void put_header(uint8_t *e)
{
	static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	/* 3.4: manufacturer "VSL", three 5-bit letters (A = 1), big-endian. */
	uint16_t id = (uint16_t)(('V' - '@') << 10 | ('S' - '@') << 5 | ('L' - '@'));

	memcpy(e, header, sizeof(header));
	e[8] = (uint8_t)(id >> 8);
	e[9] = (uint8_t)id;
	e[10] = 0x01;		/* product code */
	e[16] = 0;		/* week: unknown */
	e[17] = 2026 - 1990;	/* year of manufacture */
	e[18] = 1;		/* 3.5: version 1.4 */
	e[19] = 4;
}

static void put_basic(uint8_t *e, unsigned width, unsigned height)
{
	/* 3.6.1: digital input, 8 bits per primary, interface not defined. */
	e[20] = 0x80 | 0x20;
	e[21] = (uint8_t)((width * DPI_MM_NUM / DPI_MM_DEN + 5) / 10);	/* cm */
	e[22] = (uint8_t)((height * DPI_MM_NUM / DPI_MM_DEN + 5) / 10);
	e[23] = 220 - 100;	/* 3.6.3: gamma 2.2 */
	/* 3.6.4: RGB 4:4:4, sRGB default, the preferred timing is the native mode. */
	e[24] = 0x04 | 0x02;
}

/* 3.7: the sRGB primaries and white point (10-bit fractions of 1024). */
static void put_chromaticity(uint8_t *e)
{
	static const uint8_t srgb[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f,
					  0x50, 0x54 };

	memcpy(e + 25, srgb, sizeof(srgb));
}

static void put_timings(uint8_t *e)
{
	size_t i;

	/* 3.8: 640x480@60 (byte 35 bit 5), 800x600@60 (bit 0), 1024x768@60 (byte 36 bit 3). */
	e[35] = 0x20 | 0x01;
	e[36] = 0x08;
	/* 3.9: (width / 8 - 31), aspect | (refresh - 60). */
	for (i = 0; i < 8; i++) {
		uint8_t *s = e + 38 + 2 * i;

		s[0] = (uint8_t)(std_modes[i].width / 8 - 31);
		s[1] = (uint8_t)(std_modes[i].aspect << 6 | (REFRESH_HZ - 60));
	}
}

/* 3.10.2: the detailed timing descriptor of the preferred mode. */
static void put_detailed(uint8_t *d, unsigned w, unsigned h)
{
	unsigned hblank = RB_H_BLANK, vblank = RB_V_BLANK_MIN;
	unsigned wmm = w * DPI_MM_NUM / DPI_MM_DEN, hmm = h * DPI_MM_NUM / DPI_MM_DEN;
	unsigned clock = (w + hblank) * (h + vblank) * REFRESH_HZ / 10000;	/* 10 kHz units */

	d[0] = (uint8_t)clock;
	d[1] = (uint8_t)(clock >> 8);
	d[2] = (uint8_t)w;
	d[3] = (uint8_t)hblank;
	d[4] = (uint8_t)((w >> 8) << 4 | hblank >> 8);
	d[5] = (uint8_t)h;
	d[6] = (uint8_t)vblank;
	d[7] = (uint8_t)((h >> 8) << 4 | vblank >> 8);
	d[8] = RB_H_FRONT;
	d[9] = RB_H_SYNC;
	d[10] = RB_V_FRONT << 4 | RB_V_SYNC;
	d[11] = 0;		/* the high bits of the four sync fields: all zero here */
	d[12] = (uint8_t)wmm;
	d[13] = (uint8_t)hmm;
	d[14] = (uint8_t)((wmm >> 8) << 4 | hmm >> 8);
	/* Digital separate sync, +hsync, -vsync (CVT reduced blanking's polarities). */
	d[17] = 0x18 | 0x02;
}

/* 3.10.3: a display descriptor: tag, then 13 bytes of payload. */
static uint8_t *put_descriptor(uint8_t *d, uint8_t tag)
{
	memset(d, 0, 18);
	d[3] = tag;
	return d + 5;
}

static void put_name(uint8_t *d)
{
	static const char name[13] = "vessel\n      ";

	memcpy(put_descriptor(d, 0xfc), name, sizeof(name));
}

/* 3.10.3.3: range limits, with no timing formula (byte 10 = 01h). */
static void put_range(uint8_t *d)
{
	uint8_t *p = put_descriptor(d, 0xfd);

	p[0] = 50;	/* vertical Hz, min and max */
	p[1] = 75;
	p[2] = 30;	/* horizontal kHz */
	p[3] = 90;
	p[4] = 17;	/* pixel clock: 170 MHz, in 10 MHz units */
	p[5] = 0x01;
	p[6] = 0x0a;
	memset(p + 7, 0x20, 6);
}

void edid_build(uint8_t out[EDID_BLOCK_SIZE], unsigned width, unsigned height)
{
	uint8_t sum = 0;
	unsigned i;

	memset(out, 0, EDID_BLOCK_SIZE);
	put_header(out);
	put_basic(out, width, height);
	put_chromaticity(out);
	put_timings(out);
	put_detailed(out + 54, width, height);
	put_name(out + 72);
	put_range(out + 90);
	put_descriptor(out + 108, 0x10);	/* 3.10.3.11: dummy */
	/* 3.11: no extension blocks; the checksum makes the block's bytes sum to 0. */
	for (i = 0; i < EDID_BLOCK_SIZE - 1; i++)
		sum = (uint8_t)(sum + out[i]);
	out[EDID_BLOCK_SIZE - 1] = (uint8_t)(0x100 - sum);
}
