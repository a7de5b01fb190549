/* What the transport's files share (virtio_pci.c, virtio_state.c) and nobody else. */
#ifndef VESSEL_VIRTIO_VIRTIO_PCI_INTERNAL_H
#define VESSEL_VIRTIO_VIRTIO_PCI_INTERNAL_H

#include "virtio/virtio_pci.h"

/* ISR status bits (4.1.4.5). */
#define ISR_QUEUE	1
#define ISR_CONFIG	2

/* The device as at power-on; the device lock held. */
void virtio_reset_locked(struct virtio_dev *vd);

/* Why queue @qs cannot be served (size, ring alignment), or NULL if it can. */
const char *virtio_queue_check(const struct virtio_dev *vd, const struct virtio_queue_state *qs);

#endif
