#include "machine/msi.h"
#include "core/log.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Point vector @v's KVM route at its (remapped) message; a blocked one keeps its old route. */
static void apply(struct msi_vectors *mv, unsigned v, bool record)
{
	uint64_t addr = mv->addr[v];
	uint32_t data = mv->data[v];

	mv->blocked[v] = mv->remap && mv->remap->remap(mv->remap->opaque, mv->sid, &addr, &data,
						       record);
	if (mv->blocked[v])
		return;
	pr_debug("MSI vector %u (GSI %u): address 0x%llx data 0x%x", v, mv->gsi[v],
		 (unsigned long long)addr, data);
	irq_routes_set_msi(mv->routes, mv->gsi[v], addr, data);
}

static void msi_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct msi_vectors *mv = opaque;

	if (v >= mv->nr)
		return;
	mv->addr[v] = addr;
	mv->data[v] = data;
	apply(mv, v, false);
}

static void msi_fire(void *opaque, unsigned v)
{
	struct msi_vectors *mv = opaque;
	uint64_t one = 1;

	if (v >= mv->nr)
		return;
	/* A blocked interrupt is a fault now, as the request reaches the remapping unit. */
	if (mv->blocked[v])
		apply(mv, v, true);
	if (mv->blocked[v] || irq_routes_sync(mv->routes))
		return;
	if (write(mv->efd[v], &one, sizeof(one)) < 0)
		pr_debug("irqfd write: %s", strerror(errno));
}

void msi_vectors_set_remap(struct msi_vectors *mv, const struct msi_remapper *remap, uint16_t sid)
{
	mv->remap = remap;
	mv->sid = sid;
}

void msi_vectors_refresh(struct msi_vectors *mv)
{
	unsigned v;

	for (v = 0; v < mv->nr; v++)
		apply(mv, v, false);
}

int msi_vectors_init(struct msi_vectors *mv, struct irq_routes *routes, unsigned nr,
		     struct msix_sink *sink)
{
	unsigned v;

	memset(mv, 0, sizeof(*mv));
	for (v = 0; v < MSI_MAX_VECTORS; v++)
		mv->efd[v] = -1;
	if (nr > MSI_MAX_VECTORS)
		return -1;
	mv->routes = routes;
	for (v = 0; v < nr; v++) {
		if (irq_routes_add_msi(routes, &mv->gsi[v], &mv->efd[v]))
			return -1;
		mv->nr++;
	}
	*sink = (struct msix_sink){ msi_route, msi_fire, mv };
	return 0;
}

void msi_vectors_destroy(struct msi_vectors *mv)
{
	unsigned v;

	for (v = 0; v < mv->nr; v++)
		if (mv->efd[v] >= 0)
			close(mv->efd[v]);
	mv->nr = 0;
}
