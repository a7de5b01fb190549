/* virtio-rng (virtio 1.2, 5.4): entropy from the host's getrandom(). */
#ifndef VESSEL_VIRTIO_RNG_H
#define VESSEL_VIRTIO_RNG_H

#include "core/device.h"
#include "virtio/virtio_pci.h"
#include "virtio/worker.h"

struct virtio_rng {
	struct virtio_dev vd;
	struct virtio_worker worker;
	struct virtq_chain chain;
};

int virtio_rng_init(struct virtio_rng *r, const struct virtio_pci_env *env);
void virtio_rng_destroy(struct virtio_rng *r);

/* Its registry hooks: the transport's (virtio_device_*), destroy (and free). */
extern const struct device_ops virtio_rng_device_ops;

#endif
