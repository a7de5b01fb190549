#include "machine/msi.h"
#include "core/log.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void msi_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct msi_vectors *mv = opaque;

	if (v >= mv->nr)
		return;
	pr_debug("MSI vector %u (GSI %u): address 0x%llx data 0x%x", v, mv->gsi[v],
		 (unsigned long long)addr, data);
	irq_routes_set_msi(mv->routes, mv->gsi[v], addr, data);
}

static void msi_fire(void *opaque, unsigned v)
{
	struct msi_vectors *mv = opaque;
	uint64_t one = 1;

	if (v < mv->nr && write(mv->efd[v], &one, sizeof(one)) < 0)
		pr_debug("irqfd write: %s", strerror(errno));
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
