/* An interrupt line from a device to the interrupt controller. */
#ifndef VESSEL_HW_IRQ_H
#define VESSEL_HW_IRQ_H

struct irq_line {
	void (*set)(void *opaque, unsigned gsi, int level);
	void *opaque;
	unsigned gsi;
};

static inline void irq_line_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->opaque, l->gsi, level);
}

#endif
