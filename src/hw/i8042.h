/* The i8042 keyboard controller: keyboard presence and the CPU reset line. */
#ifndef VESSEL_HW_I8042_H
#define VESSEL_HW_I8042_H

#include "core/device.h"
#include "hw/irq.h"

#include <stdint.h>

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64
#define I8042_KBD_IRQ		1

struct aml;
struct io_bus;
struct i8042;

struct i8042 *i8042_create(const struct irq_line *kbd_irq, void (*reset)(void *opaque),
			   void *reset_opaque);
void i8042_destroy(struct i8042 *k);
int i8042_attach(struct i8042 *k, struct io_bus *pio);

uint8_t i8042_read(struct i8042 *k, uint16_t port);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t val);

/* Queue a keyboard scan code byte, as if a key was pressed. */
void i8042_key(struct i8042 *k, uint8_t scancode);

/* Its registry hooks: reset, save/restore, its DSDT entry (PS2K, PNP0303), destroy. */
extern const struct device_ops i8042_device_ops;

#endif
