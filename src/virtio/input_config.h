/*
 * virtio-input's configuration space (virtio 1.2, 5.8.4): the driver writes
 * select and subsel, then reads size and the union that answers them. What
 * each of vessel's two devices answers (a keyboard, a tablet) is here, with
 * no transport in it, so unit tests and the fuzz target read it directly.
 */
#ifndef VESSEL_VIRTIO_INPUT_CONFIG_H
#define VESSEL_VIRTIO_INPUT_CONFIG_H

#include <stdint.h>

/* select values (5.8.4). */
#define VIRTIO_INPUT_CFG_UNSET		0x00
#define VIRTIO_INPUT_CFG_ID_NAME	0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL	0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS	0x03
#define VIRTIO_INPUT_CFG_PROP_BITS	0x10
#define VIRTIO_INPUT_CFG_EV_BITS	0x11
#define VIRTIO_INPUT_CFG_ABS_INFO	0x12

#define VIRTIO_INPUT_CFG_SIZE		136	/* select, subsel, size, 5 reserved, 128 of union */
#define VIRTIO_INPUT_CFG_UNION		8

/* Event types and codes used here (linux/input-event-codes.h). */
#define EV_SYN		0x00
#define EV_KEY		0x01
#define EV_REL		0x02
#define EV_ABS		0x03
#define EV_LED		0x11
#define EV_REP		0x14
#define SYN_REPORT	0
#define REL_WHEEL	0x08
#define ABS_X		0x00
#define ABS_Y		0x01
#define BTN_LEFT	0x110
#define BTN_RIGHT	0x111
#define BTN_MIDDLE	0x112
#define LED_NUML	0
#define LED_CAPSL	1
#define LED_SCROLLL	2
#define VIRTIO_INPUT_KEY_MAX	0x2ff	/* KEY_MAX */

enum virtio_input_kind { VIRTIO_INPUT_KEYBOARD, VIRTIO_INPUT_TABLET };

struct virtio_input_config {
	enum virtio_input_kind kind;
	unsigned index;		/* among devices of this kind: the serial's number */
	uint8_t select, subsel;
	uint8_t bytes[VIRTIO_INPUT_CFG_SIZE];	/* as the driver reads them now */
};

void virtio_input_config_init(struct virtio_input_config *c, enum virtio_input_kind kind,
			      unsigned index);
/* The driver's accesses; bytes past the structure read as 0 and writes there are ignored. */
void virtio_input_config_read(const struct virtio_input_config *c, uint64_t off, void *data,
			      unsigned len);
void virtio_input_config_write(struct virtio_input_config *c, uint64_t off, const void *data,
			       unsigned len);
/* Whether the keyboard reports key @code (a KEY_* code): what its EV_KEY bitmap says. */
int virtio_input_has_key(unsigned code);

#endif
