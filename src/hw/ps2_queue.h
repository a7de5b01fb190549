/* A PS/2 device's output bytes on their way to the i8042: a small ring. */
#ifndef VESSEL_HW_PS2_QUEUE_H
#define VESSEL_HW_PS2_QUEUE_H

#include "core/state.h"

#include <stdbool.h>
#include <stdint.h>

#define PS2_QUEUE_SIZE	32

struct ps2_queue {
	uint8_t b[PS2_QUEUE_SIZE];
	unsigned head, count;
};

static inline unsigned ps2_queue_room(const struct ps2_queue *q)
{
	return PS2_QUEUE_SIZE - q->count;
}

/* False (and nothing queued) when full. */
static inline bool ps2_queue_push(struct ps2_queue *q, uint8_t v)
{
	if (q->count == PS2_QUEUE_SIZE)
		return false;
	q->b[(q->head + q->count) % PS2_QUEUE_SIZE] = v;
	q->count++;
	return true;
}

static inline bool ps2_queue_pop(struct ps2_queue *q, uint8_t *v)
{
	if (!q->count)
		return false;
	*v = q->b[q->head];
	q->head = (q->head + 1) % PS2_QUEUE_SIZE;
	q->count--;
	return true;
}

static inline void ps2_queue_clear(struct ps2_queue *q)
{
	q->head = q->count = 0;
}

/* Into a record and back; restore refuses more than @max bytes. */
void ps2_queue_save(struct state_writer *w, const struct ps2_queue *q);
void ps2_queue_restore(struct state_reader *r, struct ps2_queue *q, unsigned max);

#endif
