/* A PS/2 device's byte queue in a saved record: its count, then its bytes in order. */
#include "hw/ps2_queue.h"

void ps2_queue_save(struct state_writer *w, const struct ps2_queue *q)
{
	unsigned i;

	state_put_u8(w, (uint8_t)q->count);
	for (i = 0; i < q->count; i++)
		state_put_u8(w, q->b[(q->head + i) % PS2_QUEUE_SIZE]);
}

void ps2_queue_restore(struct state_reader *r, struct ps2_queue *q, unsigned max)
{
	unsigned count = state_get_u8(r);

	ps2_queue_clear(q);
	if (count > max) {
		state_reject(r);
		return;
	}
	state_get(r, q->b, count);
	q->count = count;
}
