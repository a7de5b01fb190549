/* Routing viewer input to the guest's input devices (input.h). */
#include "core/input.h"

#include <string.h>

void input_router_init(struct input_router *r)
{
	memset(r, 0, sizeof(*r));
}

int input_router_add(struct input_router *r, const struct input_sink_ops *ops, void *dev,
		     int priority)
{
	unsigned i;

	if (r->nr == INPUT_MAX_SINKS)
		return -1;
	/* Kept sorted by priority, so routing takes the first that fits. */
	for (i = r->nr; i > 0 && r->sinks[i - 1].priority < priority; i--)
		r->sinks[i] = r->sinks[i - 1];
	r->sinks[i] = (struct input_sink){ ops, dev, priority };
	r->nr++;
	return 0;
}

/*
 * The first ready sink that has @key (or @pointer); failing that the first
 * that has it at all, so early keys reach a device whose driver comes later.
 */
static const struct input_sink *pick(const struct input_router *r, bool want_key)
{
	const struct input_sink *fallback = NULL;
	unsigned i;

	for (i = 0; i < r->nr; i++) {
		const struct input_sink *s = &r->sinks[i];

		if (want_key ? !s->ops->key : !s->ops->pointer)
			continue;
		if (!s->ops->ready || s->ops->ready(s->dev))
			return s;
		if (!fallback)
			fallback = s;
	}
	return fallback;
}

void input_route_key(struct input_router *r, unsigned code, bool down)
{
	const struct input_sink *s = pick(r, true);
	uint8_t was = 0;

	if (code < INPUT_KEY_CODES)
		was = __atomic_exchange_n(&r->held[code],
					  down && s ? (uint8_t)(s - r->sinks + 1) : 0,
					  __ATOMIC_RELAXED);
	if (!down && was)
		s = &r->sinks[was - 1];	/* the release goes where the press went */
	if (!s) {
		__atomic_add_fetch(&r->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	s->ops->key(s->dev, code, down);
	__atomic_add_fetch(&r->routed, 1, __ATOMIC_RELAXED);
}

void input_route_pointer(struct input_router *r, unsigned x, unsigned y, unsigned buttons)
{
	const struct input_sink *s = pick(r, false);
	uint32_t now = s ? (uint32_t)(s - r->sinks + 1) << 8 | (buttons & 0xff) : 0, was;

	if (x > INPUT_ABS_MAX)
		x = INPUT_ABS_MAX;
	if (y > INPUT_ABS_MAX)
		y = INPUT_ABS_MAX;
	was = __atomic_exchange_n(&r->pointer, now, __ATOMIC_RELAXED);
	/* Moving to another device: the old one lets go of what it held. */
	if ((was >> 8) && (was >> 8) != (now >> 8) && (was & 0xff))
		r->sinks[(was >> 8) - 1].ops->pointer(r->sinks[(was >> 8) - 1].dev, x, y, 0);
	if (!s) {
		__atomic_add_fetch(&r->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	s->ops->pointer(s->dev, x, y, buttons);
	__atomic_add_fetch(&r->routed, 1, __ATOMIC_RELAXED);
}
