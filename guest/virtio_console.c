/* virtio-console: print through hvc0's transmit queue, and echo a line in echo mode. */
#include "virtio.h"

#define RX_QUEUE	0
#define TX_QUEUE	1

static struct vring rx_ring, tx_ring;
static struct vring *rings[] = { &rx_ring, &tx_ring };
static char tx_buf[128];
static char rx_buf[64];

static int put(struct vdev *d, const char *s)
{
	struct vbuf b = { tx_buf, 0, 0 };

	while (s[b.len] && b.len < sizeof(tx_buf)) {
		tx_buf[b.len] = s[b.len];
		b.len++;
	}
	return vdev_transfer(d, TX_QUEUE, &b, 1) < 0 ? -1 : 0;
}

/* Collect input until a newline; the host may take its time. */
static int read_line(struct vdev *d, char *line, unsigned max)
{
	unsigned n = 0;

	for (;;) {
		struct vbuf b = { rx_buf, sizeof(rx_buf), VQ_F_WRITE };
		int got, i;

		if (vdev_post(d, RX_QUEUE, &b, 1))
			return -1;
		got = vdev_wait(d, RX_QUEUE, VDEV_FOREVER);
		if (got < 0)
			return -1;
		for (i = 0; i < got; i++) {
			if (rx_buf[i] == '\r' || rx_buf[i] == '\n') {
				line[n] = '\0';
				return 0;
			}
			if (n + 1 < max)
				line[n++] = rx_buf[i];
		}
	}
}

int virtio_console_check(unsigned slot, int echo)
{
	struct vdev d;
	uint32_t offered;
	char line[80], msg[128];
	unsigned i, k;

	if (vdev_init(&d, slot, 0, &offered) || vdev_start(&d, rings, 2, -1))
		return -1;
	if (put(&d, "vessel-guest: hello through virtio-console (hvc0)\n"))
		return -1;
	con_printf("vessel-guest: virtio-console 00:%02x.0: transmit queue works\n", slot);
	if (echo) {
		if (put(&d, "vessel-guest: echo: ready\n") || read_line(&d, line, sizeof(line)))
			return -1;
		k = 0;
		for (const char *p = "vessel-guest: echo: got \""; *p; p++)
			msg[k++] = *p;
		for (i = 0; line[i] && k + 3 < sizeof(msg); i++)
			msg[k++] = line[i];
		msg[k++] = '"';
		msg[k++] = '\n';
		msg[k] = '\0';
		if (put(&d, msg))
			return -1;
	}
	vdev_reset(&d);
	return 0;
}
