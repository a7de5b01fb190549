/* virtio-rng: one buffer, polled. */
#include "virtio.h"

static struct vring ring;
static struct vring *rings[] = { &ring };
static uint8_t buf[32] __attribute__((aligned(64)));

int virtio_rng_check(unsigned slot)
{
	struct vdev d;
	struct vbuf b = { buf, sizeof(buf), VQ_F_WRITE };
	uint32_t offered;
	unsigned i, nonzero = 0;
	int len;

	if (vdev_init(&d, slot, 0, &offered) || vdev_start(&d, rings, 1, -1))
		return -1;
	len = vdev_transfer(&d, 0, &b, 1);
	vdev_reset(&d);
	if (len < 0)
		return -1;
	con_printf("vessel-guest: virtio-rng: %d bytes:", len);
	for (i = 0; i < 8; i++)
		con_printf(" %02x", buf[i]);
	con_printf("\n");
	for (i = 0; i < sizeof(buf); i++)
		nonzero += buf[i] != 0;
	return len == (int)sizeof(buf) && nonzero > 16 ? 0 : -1;
}
