#include "core/io_bus.h"

#include <stdlib.h>
#include <string.h>

void io_bus_init(struct io_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
}

void io_bus_destroy(struct io_bus *bus)
{
	free(bus->ranges);
	pthread_rwlock_destroy(&bus->lock);
	bus->ranges = NULL;
	bus->nr = bus->cap = 0;
}

/* Index of the first range whose end lies above @addr. */
static unsigned lower_bound(const struct io_bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct io_range *r = &bus->ranges[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_dev_ops *ops, void *opaque)
{
	struct io_range *r;
	unsigned i;
	int ret = -1;

	if (len == 0 || base + (len - 1) < base)
		return -1;
	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus, base);
	if (i < bus->nr && bus->ranges[i].base <= base + (len - 1))
		goto out;
	if (bus->nr == bus->cap) {
		unsigned cap = bus->cap ? bus->cap * 2 : 16;

		r = realloc(bus->ranges, cap * sizeof(*r));
		if (!r)
			goto out;
		bus->ranges = r;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr - i) * sizeof(*bus->ranges));
	bus->ranges[i] = (struct io_range){ base, len, ops, opaque };
	bus->nr++;
	ret = 0;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int io_bus_unregister(struct io_bus *bus, uint64_t base)
{
	unsigned i;
	int ret = -1;

	pthread_rwlock_wrlock(&bus->lock);
	i = lower_bound(bus, base);
	if (i < bus->nr && bus->ranges[i].base == base) {
		memmove(&bus->ranges[i], &bus->ranges[i + 1],
			(bus->nr - i - 1) * sizeof(*bus->ranges));
		bus->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool io_bus_access(struct io_bus *bus, uint64_t addr, void *data, unsigned len,
		   bool is_write)
{
	const struct io_range *r = NULL;
	struct io_range hit;
	unsigned i;

	pthread_rwlock_rdlock(&bus->lock);
	i = lower_bound(bus, addr);
	if (i < bus->nr && bus->ranges[i].base <= addr && len <= bus->ranges[i].len &&
	    addr - bus->ranges[i].base <= bus->ranges[i].len - len) {
		hit = bus->ranges[i];
		r = &hit;
	}
	pthread_rwlock_unlock(&bus->lock);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, data, len);
	} else if (r->ops->read) {
		r->ops->read(r->opaque, addr - r->base, data, len);
	} else {
		memset(data, 0xff, len);
	}
	return true;
}
