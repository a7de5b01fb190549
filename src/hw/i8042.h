/*
 * The i8042 keyboard controller: a PS/2 keyboard on its first port, a PS/2
 * mouse on its aux port, and the CPU reset line. The keyboard and the mouse
 * are input sinks (core/input.h), below virtio-input.
 */
#ifndef VESSEL_HW_I8042_H
#define VESSEL_HW_I8042_H

#include "core/device.h"
#include "core/input.h"
#include "hw/irq.h"

#include <stdint.h>

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64
#define I8042_KBD_IRQ		1
#define I8042_AUX_IRQ		12
#define I8042_INPUT_PRIORITY	0

struct aml;
struct io_bus;
struct i8042;

struct i8042 *i8042_create(const struct irq_line *kbd_irq, const struct irq_line *aux_irq,
			   void (*reset)(void *opaque), void *reset_opaque);
void i8042_destroy(struct i8042 *k);
int i8042_attach(struct i8042 *k, struct io_bus *pio);

uint8_t i8042_read(struct i8042 *k, uint16_t port);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t val);

/* The keyboard's and the mouse's sink ops; the device is the struct i8042. */
extern const struct input_sink_ops i8042_keyboard_sink;
extern const struct input_sink_ops i8042_mouse_sink;

/*
 * Its registry hooks: reset, save/restore, its DSDT entries (PS2K, PNP0303;
 * PS2M, PNP0F13), metrics, destroy.
 */
extern const struct device_ops i8042_device_ops;

#endif
