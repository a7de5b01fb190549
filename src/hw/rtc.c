#include "hw/rtc.h"
#include "acpi/aml.h"
#include "core/io_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Register indexes: MC146818A data sheet, plus the PC's century byte. */
#define REG_SECONDS	0x00
#define REG_MINUTES	0x02
#define REG_HOURS	0x04
#define REG_WEEKDAY	0x06
#define REG_DAY		0x07
#define REG_MONTH	0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32
#define CMOS_SIZE	128

#define REG_A_UIP	0x80
#define REG_A_DEFAULT	0x26	/* 32.768 kHz base, 1024 Hz periodic rate */
#define REG_B_24H	0x02
#define REG_B_BINARY	0x04
#define REG_B_SET	0x80
#define REG_D_VRT	0x80	/* valid RAM and time */
#define HOUR_PM		0x80

struct rtc {
	pthread_mutex_t lock;
	time_t (*now)(void);
	uint8_t index;
	uint8_t cmos[CMOS_SIZE];
	int64_t offset;		/* guest time minus host time, in seconds */
	struct tm frozen;	/* the time being set while REG_B_SET is on */
};

static time_t host_now(void)
{
	return time(NULL);
}

static uint8_t to_reg(const struct rtc *r, unsigned v)
{
	if (r->cmos[REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct rtc *r, uint8_t v)
{
	if (r->cmos[REG_B] & REG_B_BINARY)
		return v;
	return (unsigned)((v >> 4) * 10 + (v & 15));
}

static uint8_t hours_to_reg(const struct rtc *r, int hour)
{
	unsigned h12;

	if (r->cmos[REG_B] & REG_B_24H)
		return to_reg(r, (unsigned)hour);
	h12 = (unsigned)(hour % 12 == 0 ? 12 : hour % 12);
	return (uint8_t)(to_reg(r, h12) | (hour >= 12 ? HOUR_PM : 0));
}

static int hours_from_reg(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->cmos[REG_B] & REG_B_24H)
		return (int)from_reg(r, v);
	h = (int)from_reg(r, v & (uint8_t)~HOUR_PM) % 12;
	return (v & HOUR_PM) ? h + 12 : h;
}

static void guest_tm(struct rtc *r, struct tm *tm)
{
	time_t t;

	if (r->cmos[REG_B] & REG_B_SET) {
		*tm = r->frozen;
		return;
	}
	t = (time_t)(r->now() + r->offset);
	gmtime_r(&t, tm);
}

static uint8_t time_reg(struct rtc *r, uint8_t index)
{
	struct tm tm;
	int year;

	guest_tm(r, &tm);
	year = tm.tm_year + 1900;
	switch (index) {
	case REG_SECONDS:
		return to_reg(r, (unsigned)tm.tm_sec);
	case REG_MINUTES:
		return to_reg(r, (unsigned)tm.tm_min);
	case REG_HOURS:
		return hours_to_reg(r, tm.tm_hour);
	case REG_WEEKDAY:
		return to_reg(r, (unsigned)tm.tm_wday + 1);
	case REG_DAY:
		return to_reg(r, (unsigned)tm.tm_mday);
	case REG_MONTH:
		return to_reg(r, (unsigned)tm.tm_mon + 1);
	case REG_YEAR:
		return to_reg(r, (unsigned)(year % 100));
	default:	/* REG_CENTURY */
		return to_reg(r, (unsigned)(year / 100));
	}
}

static bool is_time_reg(uint8_t index)
{
	return index == REG_SECONDS || index == REG_MINUTES || index == REG_HOURS ||
	       (index >= REG_WEEKDAY && index <= REG_YEAR) || index == REG_CENTURY;
}

/* A write while SET is on changes the frozen time; clearing SET starts it. */
static void set_time_reg(struct rtc *r, uint8_t index, uint8_t val)
{
	struct tm *tm = &r->frozen;
	int century;

	switch (index) {
	case REG_SECONDS:
		tm->tm_sec = (int)from_reg(r, val);
		break;
	case REG_MINUTES:
		tm->tm_min = (int)from_reg(r, val);
		break;
	case REG_HOURS:
		tm->tm_hour = hours_from_reg(r, val);
		break;
	case REG_WEEKDAY:
		break;	/* derived from the date */
	case REG_DAY:
		tm->tm_mday = (int)from_reg(r, val);
		break;
	case REG_MONTH:
		tm->tm_mon = (int)from_reg(r, val) - 1;
		break;
	case REG_YEAR:
		century = (tm->tm_year + 1900) / 100;
		tm->tm_year = century * 100 + (int)from_reg(r, val) - 1900;
		break;
	default:	/* REG_CENTURY */
		tm->tm_year = (int)from_reg(r, val) * 100 + (tm->tm_year + 1900) % 100 - 1900;
		break;
	}
}

static void write_reg_b(struct rtc *r, uint8_t val)
{
	bool was_set = r->cmos[REG_B] & REG_B_SET;

	if (!was_set && (val & REG_B_SET))
		guest_tm(r, &r->frozen);
	r->cmos[REG_B] = val;
	if (was_set && !(val & REG_B_SET))
		r->offset = (int64_t)(timegm(&r->frozen) - r->now());
}

uint8_t rtc_read(struct rtc *r, uint8_t index)
{
	uint8_t v;

	index &= CMOS_SIZE - 1;
	pthread_mutex_lock(&r->lock);
	if (is_time_reg(index))
		v = time_reg(r, index);
	else if (index == REG_A)
		v = r->cmos[REG_A] & (uint8_t)~REG_A_UIP;	/* updates are instant */
	else if (index == REG_C) {
		v = r->cmos[REG_C];
		r->cmos[REG_C] = 0;	/* interrupt flags clear on read */
	} else
		v = r->cmos[index];
	pthread_mutex_unlock(&r->lock);
	return v;
}

void rtc_write(struct rtc *r, uint8_t index, uint8_t val)
{
	index &= CMOS_SIZE - 1;
	pthread_mutex_lock(&r->lock);
	if (is_time_reg(index)) {
		if (r->cmos[REG_B] & REG_B_SET)
			set_time_reg(r, index, val);
	} else if (index == REG_B) {
		write_reg_b(r, val);
	} else if (index == REG_A) {
		r->cmos[REG_A] = val & (uint8_t)~REG_A_UIP;
	} else if (index != REG_C && index != REG_D) {
		r->cmos[index] = val;
	}
	pthread_mutex_unlock(&r->lock);
}

static void pio_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct rtc *r = opaque;
	uint8_t *d = data;

	memset(d, 0xff, len);
	if (off == 1)
		d[0] = rtc_read(r, r->index);
	else
		d[0] = r->index;
}

static void pio_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct rtc *r = opaque;
	uint8_t v = *(const uint8_t *)data;

	(void)len;
	if (off == 1)
		rtc_write(r, r->index, v);
	else
		r->index = v & (CMOS_SIZE - 1);	/* bit 7 is the NMI mask */
}

static const struct io_dev_ops rtc_ops = {
	.read = pio_read,
	.write = pio_write,
};

/* Battery-backed: the guest's time offset and CMOS bytes stay, the control registers do not. */
static void power_on(struct rtc *r)
{
	r->index = 0;
	r->cmos[REG_A] = REG_A_DEFAULT;
	r->cmos[REG_B] = REG_B_24H;
	r->cmos[REG_D] = REG_D_VRT;
}

struct rtc *rtc_create(time_t (*now)(void))
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->now = now ? now : host_now;
	power_on(r);
	return r;
}

void rtc_destroy(struct rtc *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int rtc_attach(struct rtc *r, struct io_bus *pio)
{
	return io_bus_register(pio, RTC_INDEX_PORT, 2, &rtc_ops, r);
}

static void rtc_dev_acpi(void *dev, struct aml *a)
{
	const struct aml_io_range io = { RTC_INDEX_PORT, 2 };

	(void)dev;
	/* No IRQ: alarms and periodic interrupts are not emulated, so none is claimed. */
	aml_fixed_device(a, "RTC", "PNP0B00", -1, &io, 1, -1);
}

static void rtc_dev_reset(void *dev)
{
	struct rtc *r = dev;

	pthread_mutex_lock(&r->lock);
	power_on(r);
	pthread_mutex_unlock(&r->lock);
}

/* The time being set while REG_B_SET is on. */
static void put_tm(struct state_writer *w, const struct tm *t)
{
	const int f[] = { t->tm_sec, t->tm_min, t->tm_hour, t->tm_mday, t->tm_mon, t->tm_year,
			  t->tm_wday };
	unsigned i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		state_put_u32(w, (uint32_t)f[i]);
}

static void get_tm(struct state_reader *r, struct tm *t)
{
	int *f[] = { &t->tm_sec, &t->tm_min, &t->tm_hour, &t->tm_mday, &t->tm_mon, &t->tm_year,
		     &t->tm_wday };
	unsigned i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] = (int)state_get_u32(r);
}

/*
 * Version 1: the index, the CMOS bytes and the guest's offset from the host's
 * clock (the time itself runs on: a restored guest reads the time of now).
 */
static int rtc_dev_save(void *dev, struct state_writer *w)
{
	struct rtc *r = dev;

	pthread_mutex_lock(&r->lock);
	state_put_u8(w, r->index);
	state_put(w, r->cmos, CMOS_SIZE);
	state_put_u64(w, (uint64_t)r->offset);
	put_tm(w, &r->frozen);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int rtc_dev_restore(void *dev, struct state_reader *rd, uint32_t version)
{
	struct rtc *r = dev;
	uint8_t cmos[CMOS_SIZE], index;
	struct tm frozen;
	int64_t offset;

	(void)version;
	index = state_get_u8(rd);
	state_get(rd, cmos, CMOS_SIZE);
	offset = (int64_t)state_get_u64(rd);
	get_tm(rd, &frozen);
	if (index >= CMOS_SIZE)
		state_reject(rd);
	if (state_reader_done(rd))
		return -1;
	pthread_mutex_lock(&r->lock);
	r->index = index;
	memcpy(r->cmos, cmos, CMOS_SIZE);
	r->offset = offset;
	r->frozen = frozen;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc_dev_destroy(void *dev)
{
	rtc_destroy(dev);
}

const struct device_ops rtc_device_ops = {
	.kind = "rtc",
	.state_version = 1,
	.reset = rtc_dev_reset,
	.save = rtc_dev_save,
	.restore = rtc_dev_restore,
	.acpi = rtc_dev_acpi,
	.destroy = rtc_dev_destroy,
};
