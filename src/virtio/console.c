#include "virtio/console.h"
#include "core/log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VIRTIO_ID_CONSOLE		3
#define PCI_CLASS_COMMUNICATION_OTHER	0x0780
#define CONSOLE_QUEUE_SIZE		128
#define RX_QUEUE			0
#define TX_QUEUE			1
#define TX_CHUNK			4096

/* Feature bits and configuration layout (5.3.3, 5.3.4). */
#define VIRTIO_CONSOLE_F_SIZE		0
#define VIRTIO_CONSOLE_F_EMERG_WRITE	2
#define CFG_COLS			0
#define CFG_ROWS			2
#define CFG_EMERG_WR			8

static void signal_room(struct virtio_console *c)
{
	uint64_t one = 1;

	if (write(c->room_efd, &one, sizeof(one)) < 0)
		pr_debug("virtio-console room eventfd: %s", strerror(errno));
}

/* Copy pending input into the driver's receive buffers, in the queue's frame. */
static int fill_rx(void *arg, struct virtqueue *vq)
{
	struct virtio_console *c = arg;
	int used = 0;

	pthread_mutex_lock(&c->rx_lock);
	while (c->rx_len) {
		enum vq_pop_result pr = vq_pop(vq, &c->chain);
		size_t done = 0;
		unsigned i;

		if (pr == VQ_EMPTY)
			break;
		if (pr == VQ_BROKEN)
			goto err;
		for (i = c->chain.nr_out; i < c->chain.nr && done < c->rx_len; i++) {
			const struct virtq_seg *s = &c->chain.segs[i];
			size_t n = c->rx_len - done < s->len ? c->rx_len - done : s->len;

			if (dma_write(&c->vd.dma, s->addr, c->rx + done, n))
				goto err;
			done += n;
		}
		if (vq_push(vq, c->chain.head, (uint32_t)done))
			goto err;
		memmove(c->rx, c->rx + done, c->rx_len - done);
		c->rx_len -= done;
		used = 1;
		signal_room(c);
	}
	pthread_mutex_unlock(&c->rx_lock);
	return used;
err:
	pthread_mutex_unlock(&c->rx_lock);
	return -1;
}

/* Send one transmit chain's bytes to the sink; the device writes nothing back. */
static long send_chain(void *arg, struct virtq_chain *chain)
{
	struct virtio_console *c = arg;
	uint8_t buf[TX_CHUNK];
	unsigned i;

	for (i = 0; i < chain->nr_out; i++) {
		const struct virtq_seg *s = &chain->segs[i];
		uint64_t off = 0;

		while (off < s->len) {
			uint64_t n = s->len - off < sizeof(buf) ? s->len - off : sizeof(buf);

			if (dma_read(&c->vd.dma, s->addr + off, buf, n))
				return -1;
			c->out.write(c->out.opaque, buf, n);
			off += n;
		}
	}
	return 0;
}

static int drain_tx(void *arg, struct virtqueue *vq)
{
	struct virtio_console *c = arg;

	return virtio_serve_chains(vq, &c->chain, send_chain, c);
}

static void console_handle(void *opaque, unsigned q)
{
	struct virtio_console *c = opaque;

	virtio_queue_serve(&c->vd, q, q == RX_QUEUE ? fill_rx : drain_tx, c);
}

size_t virtio_console_receive(struct virtio_console *c, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&c->rx_lock);
	n = sizeof(c->rx) - c->rx_len < len ? sizeof(c->rx) - c->rx_len : len;
	memcpy(c->rx + c->rx_len, buf, n);
	c->rx_len += n;
	pthread_mutex_unlock(&c->rx_lock);
	if (n)
		worker_kick(&c->worker, RX_QUEUE);
	return n;
}

size_t virtio_console_rx_room(struct virtio_console *c)
{
	size_t room;

	pthread_mutex_lock(&c->rx_lock);
	room = sizeof(c->rx) - c->rx_len;
	pthread_mutex_unlock(&c->rx_lock);
	return room;
}

int virtio_console_room_fd(struct virtio_console *c)
{
	return c->room_efd;
}

static void console_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_console *c = vd->opaque;

	worker_kick(&c->worker, q);
}

static int console_queue_fd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_console *c = vd->opaque;

	return worker_queue_fd(&c->worker, q);
}

static void console_config_read(struct virtio_dev *vd, uint64_t off, void *data, unsigned len)
{
	struct virtio_console *c = vd->opaque;

	if (off + len <= sizeof(c->config))
		memcpy(data, c->config + off, len);
}

/* emerg_wr: one character straight out, usable before the queues are (5.3.4). */
static void console_config_write(struct virtio_dev *vd, uint64_t off, const void *data,
				 unsigned len)
{
	struct virtio_console *c = vd->opaque;

	if (off == CFG_EMERG_WR && len >= 1)
		c->out.write(c->out.opaque, data, 1);
}

/* Version 1: the host input that waits for the driver's receive buffers. */
static void console_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct virtio_console *c = vd->opaque;

	pthread_mutex_lock(&c->rx_lock);
	state_put_u16(w, (uint16_t)c->rx_len);
	state_put(w, c->rx, c->rx_len);
	pthread_mutex_unlock(&c->rx_lock);
}

static int console_restore(struct virtio_dev *vd, struct state_reader *r, bool apply)
{
	struct virtio_console *c = vd->opaque;
	uint8_t rx[VIRTIO_CONSOLE_RX_BUF];
	unsigned len = state_get_u16(r);

	if (len > sizeof(rx)) {
		state_invalid(r, "%u bytes of input waiting, the buffer holds %zu", len, sizeof(rx));
		return -1;
	}
	if (state_get(r, rx, len))
		return -1;
	if (!apply)
		return 0;
	pthread_mutex_lock(&c->rx_lock);
	memcpy(c->rx, rx, len);
	c->rx_len = len;
	pthread_mutex_unlock(&c->rx_lock);
	return 0;
}

static const struct virtio_dev_ops console_ops = {
	.notify = console_notify,
	.queue_fd = console_queue_fd,
	.config_read = console_config_read,
	.config_write = console_config_write,
	.save = console_save,
	.restore = console_restore,
};

int virtio_console_init(struct virtio_console *c, const struct virtio_pci_env *env,
			const struct virtio_console_sink *out, uint16_t cols, uint16_t rows)
{
	uint64_t features = 1ull << VIRTIO_CONSOLE_F_EMERG_WRITE;

	memset(c, 0, sizeof(*c));
	c->room_efd = -1;
	c->out = *out;
	pthread_mutex_init(&c->rx_lock, NULL);
	if (cols && rows) {
		features |= 1ull << VIRTIO_CONSOLE_F_SIZE;
		memcpy(c->config + CFG_COLS, &cols, 2);
		memcpy(c->config + CFG_ROWS, &rows, 2);
	}
	if (worker_init(&c->worker, 2, console_handle, c))
		return -1;
	c->room_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->room_efd < 0)
		return -1;
	if (virtio_pci_init(&c->vd, VIRTIO_ID_CONSOLE, PCI_CLASS_COMMUNICATION_OTHER, 2,
			    CONSOLE_QUEUE_SIZE, features, sizeof(c->config), &console_ops, c, env))
		return -1;
	c->vd.worker = &c->worker;
	return worker_start(&c->worker);
}

void virtio_console_destroy(struct virtio_console *c)
{
	worker_destroy(&c->worker);
	virtio_pci_destroy(&c->vd);
	if (c->room_efd >= 0)
		close(c->room_efd);
}

static void console_dev_destroy(void *dev)
{
	virtio_console_destroy(dev);
	free(dev);
}

_Static_assert(offsetof(struct virtio_console, vd) == 0,
	       "the registry's hooks take a virtio_dev");

const struct device_ops virtio_console_device_ops = {
	.kind = "virtio-console",
	.state_version = VIRTIO_STATE_VERSION,
	.reset = virtio_device_reset,
	.pause = virtio_device_pause,
	.resume = virtio_device_resume,
	.save = virtio_device_save,
	.restore = virtio_device_restore,
	.destroy = console_dev_destroy,
};
