/* The MC146818-compatible CMOS RTC at ports 0x70/0x71, running on the host's clock. */
#ifndef VESSEL_HW_RTC_H
#define VESSEL_HW_RTC_H

#include "core/device.h"

#include <stdint.h>
#include <time.h>

#define RTC_INDEX_PORT	0x70
#define RTC_DATA_PORT	0x71

struct aml;
struct io_bus;
struct rtc;

/* @now returns the host's time; NULL means time(). Tests pass their own. */
struct rtc *rtc_create(time_t (*now)(void));
void rtc_destroy(struct rtc *r);
int rtc_attach(struct rtc *r, struct io_bus *pio);

uint8_t rtc_read(struct rtc *r, uint8_t index);
void rtc_write(struct rtc *r, uint8_t index, uint8_t val);

/* Its registry hooks: reset, save/restore, its DSDT entry (RTC, PNP0B00), destroy. */
extern const struct device_ops rtc_device_ops;

#endif
