/*
 * Viewer input on its way to the guest: a display server (VNC, a browser)
 * hands in Linux input codes (linux/input-event-codes.h: KEY_*, the
 * keyboard's) and an absolute pointer; the router gives each event to the
 * first input device the guest is listening to (virtio-input before the
 * i8042, which takes what nothing else does). A key's release goes where
 * its press went, and a pointer that moves to another device first lets go
 * of the buttons it held on the old one, so a guest never sees a key or a
 * button stuck when its driver comes or goes between the two. Devices
 * register at realize; after that the sink list is fixed, so routing takes
 * no lock (what is held is kept in atomics) and each sink serializes its
 * own state.
 */
#ifndef VESSEL_CORE_INPUT_H
#define VESSEL_CORE_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#define INPUT_ABS_MAX		0x7fff	/* each pointer axis: 0 .. INPUT_ABS_MAX over the screen */
#define INPUT_MAX_SINKS		8
#define INPUT_KEY_CODES		0x300	/* KEY_MAX + 1: the codes whose presses are tracked */

/* Buttons held, as RFB's PointerEvent mask (RFC 6143, 7.5.5): wheel as buttons 4 and 5. */
#define INPUT_BTN_LEFT		(1u << 0)
#define INPUT_BTN_MIDDLE	(1u << 1)
#define INPUT_BTN_RIGHT		(1u << 2)
#define INPUT_BTN_WHEEL_UP	(1u << 3)
#define INPUT_BTN_WHEEL_DOWN	(1u << 4)

struct input_sink_ops {
	/* Whether the guest's driver has set the device up to take events now. */
	bool (*ready)(void *dev);
	/* NULL where the device has no keys (a tablet); @code is a KEY_* code. */
	void (*key)(void *dev, unsigned code, bool down);
	/* NULL where it has no pointer; absolute, as INPUT_ABS_MAX says. */
	void (*pointer)(void *dev, unsigned x, unsigned y, unsigned buttons);
};

struct input_sink {
	const struct input_sink_ops *ops;
	void *dev;
	int priority;		/* higher first: virtio-input over the i8042 */
};

struct input_router {
	struct input_sink sinks[INPUT_MAX_SINKS];
	unsigned nr;
	uint8_t held[INPUT_KEY_CODES];	/* 1 + the sink each key held down went to; 0: up */
	uint32_t pointer;		/* (1 + the pointer's last sink) << 8 | its buttons */
	uint64_t routed, dropped;	/* events; racy counters, never torn */
};

void input_router_init(struct input_router *r);
/* Before the first event; -1 when the router is full. */
int input_router_add(struct input_router *r, const struct input_sink_ops *ops, void *dev,
		     int priority);
/* From any thread. An event no device takes is counted as dropped. */
void input_route_key(struct input_router *r, unsigned code, bool down);
void input_route_pointer(struct input_router *r, unsigned x, unsigned y, unsigned buttons);

#endif
