#include "machine/virtio_devs.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int doorbell_bind(void *opaque, uint64_t addr, int efd, bool assign)
{
	struct vm *vm = opaque;

	return kvm_ioeventfd(&vm->kvm, addr, efd, assign);
}

/* Interrupts and doorbells for a device with @nr_queues queues. */
static int make_env(struct virtio_devs *vs, unsigned nr_queues, struct virtio_pci_env *env)
{
	struct msi_vectors *mv = &vs->msi[vs->nr_msi];

	if (vs->nr_msi == sizeof(vs->msi) / sizeof(vs->msi[0]))
		return -1;
	vs->nr_msi++;
	env->doorbell = (struct virtio_doorbell){ doorbell_bind, vs->vm };
	env->iommu = vs->iommu != NULL;
	return msi_vectors_init(mv, vs->routes, nr_queues + 1, &env->msix);
}

static int plug(struct virtio_devs *vs, struct virtio_dev *vd)
{
	int slot = pci_bus_add(vs->pci, &vd->pci, &vs->intx);

	if (slot < 0) {
		pr_err("no free PCI slot for another device");
		return -1;
	}
	dma_space_init(&vd->dma, &vs->vm->mem, vs->iommu, (uint16_t)(slot << 3));
	/* The device's vectors were the last allocated, just before the device itself. */
	msi_vectors_set_remap(&vs->msi[vs->nr_msi - 1], vs->remap, (uint16_t)(slot << 3));
	return 0;
}

static int add_rng(struct virtio_devs *vs)
{
	struct virtio_pci_env env;

	/* Vectors first: a device is only destroyed once its init has run. */
	if (make_env(vs, 1, &env) || !(vs->rng = calloc(1, sizeof(*vs->rng))) ||
	    virtio_rng_init(vs->rng, &env))
		return -1;
	return plug(vs, &vs->rng->vd);
}

static int add_blk(struct virtio_devs *vs, const struct blk_options *o)
{
	struct virtio_pci_env env;
	struct virtio_blk *b;

	if (make_env(vs, o->queues, &env) || !(b = calloc(1, sizeof(*b))))
		return -1;
	vs->blk[vs->nr_blk++] = b;
	if (virtio_blk_init(b, o, &env))
		return -1;
	return plug(vs, &b->vd);
}

/* The terminal's size for the guest's hvc0, when stdout is a terminal. */
static void terminal_size(uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	*cols = *rows = 0;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static int add_console(struct virtio_devs *vs, const struct virtio_console_sink *out)
{
	struct virtio_pci_env env;
	uint16_t cols, rows;

	terminal_size(&cols, &rows);
	if (make_env(vs, 2, &env) || !(vs->console = calloc(1, sizeof(*vs->console))) ||
	    virtio_console_init(vs->console, &env, out, cols, rows))
		return -1;
	return plug(vs, &vs->console->vd);
}

int virtio_devs_build(struct virtio_devs *vs, const struct machine_config *cfg, struct vm *vm,
		      struct pci_bus *pci, struct irq_routes *routes, const struct irq_line *intx,
		      const struct dma_translator *iommu, const struct msi_remapper *remap,
		      const struct virtio_console_sink *out)
{
	unsigned i;

	memset(vs, 0, sizeof(*vs));
	vs->intx = *intx;
	vs->iommu = iommu;
	vs->remap = remap;
	vs->vm = vm;
	vs->pci = pci;
	vs->routes = routes;
	if (cfg->console == CONSOLE_VIRTIO && add_console(vs, out))
		return -1;
	for (i = 0; i < cfg->nr_disks; i++)
		if (add_blk(vs, &cfg->disks[i].opts))
			return -1;
	if (cfg->rng && add_rng(vs))
		return -1;
	return 0;
}

void virtio_devs_refresh_msi(struct virtio_devs *vs)
{
	unsigned i;

	for (i = 0; i < vs->nr_msi; i++)
		msi_vectors_refresh(&vs->msi[i]);
}

void virtio_devs_destroy(struct virtio_devs *vs)
{
	unsigned i;

	for (i = 0; i < vs->nr_blk; i++) {
		virtio_blk_destroy(vs->blk[i]);
		free(vs->blk[i]);
	}
	if (vs->rng) {
		virtio_rng_destroy(vs->rng);
		free(vs->rng);
	}
	if (vs->console) {
		virtio_console_destroy(vs->console);
		free(vs->console);
	}
	for (i = 0; i < vs->nr_msi; i++)
		msi_vectors_destroy(&vs->msi[i]);
	memset(vs, 0, sizeof(*vs));
}
