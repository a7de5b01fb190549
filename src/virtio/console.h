/*
 * virtio-console (virtio 1.2, 5.3): one port, the guest's hvc0. Output goes
 * to a sink (the host terminal); host input waits in a buffer until the
 * driver offers receive buffers.
 */
#ifndef VESSEL_VIRTIO_CONSOLE_H
#define VESSEL_VIRTIO_CONSOLE_H

#include "core/device.h"
#include "virtio/virtio_pci.h"
#include "virtio/worker.h"

#define VIRTIO_CONSOLE_CONFIG_SIZE	12
#define VIRTIO_CONSOLE_RX_BUF		4096

struct virtio_console_sink {
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

struct virtio_console {
	struct virtio_dev vd;
	struct virtio_worker worker;
	struct virtq_chain chain;
	struct virtio_console_sink out;
	pthread_mutex_t rx_lock;	/* after vd.lock when both are held */
	uint8_t rx[VIRTIO_CONSOLE_RX_BUF];
	size_t rx_len;
	int room_efd;
	uint8_t config[VIRTIO_CONSOLE_CONFIG_SIZE];
};

/* @cols, @rows: the terminal's size, or 0 when there is none to report. */
int virtio_console_init(struct virtio_console *c, const struct virtio_pci_env *env,
			const struct virtio_console_sink *out, uint16_t cols, uint16_t rows);
void virtio_console_destroy(struct virtio_console *c);

/* Host input: takes what fits, returns how much. */
size_t virtio_console_receive(struct virtio_console *c, const uint8_t *buf, size_t len);
size_t virtio_console_rx_room(struct virtio_console *c);
/* Readable when the guest has taken input and there is room again. */
int virtio_console_room_fd(struct virtio_console *c);

/* Its registry hooks: the transport's (virtio_device_*), destroy (and free). */
extern const struct device_ops virtio_console_device_ops;

#endif
