/*
 * vessel.test=input: the virtio-input devices and the i8042, each event
 * reported on the console until the quit key (input.h). Between events the
 * CPU halts until a device interrupts, so an idle guest costs its host nothing.
 */
#include "input.h"
#include "virtio.h"

#define MAX_INPUTS	4
#define INPUT_VECTOR	32	/* device n's MSI-X vector is INPUT_VECTOR + n */
#define CFG_SELECT	0
#define CFG_SUBSEL	1
#define CFG_SIZE	2
#define CFG_UNION	8
#define CFG_ID_NAME	0x01
#define CFG_EV_BITS	0x11
#define EV_SYN		0x00
#define EV_KEY		0x01
#define EV_REL		0x02
#define EV_ABS		0x03
#define EV_LED		0x11
#define REL_WHEEL	0x08
#define BTN_LEFT	0x110
#define BTN_RIGHT	0x111
#define BTN_MIDDLE	0x112
#define LED_CAPSL	1

struct vinput_event {
	uint16_t type, code;
	uint32_t value;
};

struct vinput {
	struct vdev d;
	struct vring *ring;
	uint16_t avail;
	int tablet;
	int moved;
	unsigned x, y, buttons, wheel;
	char name[129];
};

static struct vring rings[MAX_INPUTS][2];
static struct vinput_event events[MAX_INPUTS][VQ_SIZE] __attribute__((aligned(64)));
static struct vinput_event status __attribute__((aligned(64)));
static struct vinput inputs[MAX_INPUTS];

void input_key(struct input_report *r, unsigned code, int down, const char *via)
{
	con_printf("vessel-guest: input: key %u %s via %s\n", code, down ? "down" : "up", via);
	if (down && code == r->quit_key)
		r->quit = 1;
}

void input_pointer(struct input_report *r, unsigned x, unsigned y, unsigned buttons,
		   const char *via)
{
	con_printf("vessel-guest: input: pointer %u %u buttons %u via %s\n", x, y, buttons, via);
	if (r->pointer_moved)
		r->pointer_moved(x, y, r->arg);
}

/* The size of the configuration's answer to @select/@subsel (virtio 1.2, 5.8.4). */
static unsigned cfg_select(struct vinput *in, uint8_t select, uint8_t subsel)
{
	in->d.device_cfg[CFG_SELECT] = select;
	in->d.device_cfg[CFG_SUBSEL] = subsel;
	return in->d.device_cfg[CFG_SIZE];
}

/* Every eventq descriptor a buffer of one event, all of them available. */
static void post_all(struct vinput *in, unsigned n)
{
	struct vring *r = in->ring;
	unsigned i;

	for (i = 0; i < VQ_SIZE; i++) {
		r->desc[i].addr = (uint64_t)&events[n][i];
		r->desc[i].len = sizeof(events[n][i]);
		r->desc[i].flags = VQ_F_WRITE;
		r->avail.ring[i] = (uint16_t)i;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->avail.idx = in->avail = VQ_SIZE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*vdev_notify_reg(&in->d, 0) = 0;
}

/* The keyboard's LED report on the statusq: Caps Lock on. */
static int send_status(struct vinput *in)
{
	struct vbuf b = { &status, sizeof(status), 0 };

	status = (struct vinput_event){ EV_LED, LED_CAPSL, 1 };
	return vdev_transfer(&in->d, 1, &b, 1) < 0 ? -1 : 0;
}

static int vinput_start(struct vinput *in, unsigned n, unsigned slot)
{
	struct vring *qs[2] = { &rings[n][0], &rings[n][1] };
	uint32_t offered;
	unsigned len, i;

	if (vdev_init(&in->d, slot, 0, &offered))
		return -1;
	len = cfg_select(in, CFG_ID_NAME, 0);
	for (i = 0; i < len && i < sizeof(in->name) - 1; i++)
		in->name[i] = (char)in->d.device_cfg[CFG_UNION + i];
	in->name[i] = '\0';
	in->tablet = cfg_select(in, CFG_EV_BITS, EV_ABS) > 0;
	if (vdev_start(&in->d, qs, 2, (int)(INPUT_VECTOR + n)))
		return -1;
	in->ring = qs[0];
	post_all(in, n);
	con_printf("vessel-guest: input: virtio-input at 00:%02x.0: \"%s\" (%s)\n", slot, in->name,
		   in->tablet ? "tablet" : "keyboard");
	if (!in->tablet && send_status(in))
		return -1;
	return 0;
}

static void vinput_event(struct input_report *r, struct vinput *in, const struct vinput_event *e)
{
	static const uint16_t btn[] = { BTN_LEFT, BTN_MIDDLE, BTN_RIGHT };
	unsigned i;

	switch (e->type) {
	case EV_KEY:
		for (i = 0; i < 3; i++)
			if (e->code == btn[i]) {
				in->buttons = e->value ? in->buttons | 1u << i : in->buttons & ~(1u << i);
				in->moved = 1;
				return;
			}
		input_key(r, e->code, e->value != 0, "virtio");
		break;
	case EV_ABS:
		if (e->code == 0)
			in->x = e->value;
		else
			in->y = e->value;
		in->moved = 1;
		break;
	case EV_REL:
		if (e->code == REL_WHEEL)
			in->wheel = (int32_t)e->value > 0 ? 8 : 16;
		in->moved = 1;
		break;
	case EV_SYN:
		if (in->moved)
			input_pointer(r, in->x, in->y, in->buttons | in->wheel, "virtio");
		in->moved = 0;
		in->wheel = 0;
		break;
	}
}

/* Each used event, its buffer given back; one kick for the lot. Returns whether there was one. */
static int vinput_poll(struct input_report *r, struct vinput *in, unsigned n)
{
	struct vring *ring = in->ring;
	int used = 0;

	while (ring->used.idx != in->d.last_used[0] && !r->quit) {
		uint16_t slot = in->d.last_used[0] % VQ_SIZE;
		uint32_t id;

		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		id = ring->used.ring[slot].id % VQ_SIZE;
		in->d.last_used[0]++;
		vinput_event(r, in, &events[n][id]);
		ring->avail.ring[in->avail % VQ_SIZE] = (uint16_t)id;
		in->avail++;
		used = 1;
	}
	if (!used)
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ring->avail.idx = in->avail;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*vdev_notify_reg(&in->d, 0) = 0;
	return 1;
}

void input_report_until_quit(const struct acpi_info *acpi, unsigned quit_key,
			     void (*pointer_moved)(unsigned x, unsigned y, void *arg), void *arg)
{
	struct input_report r = { quit_key, 0, pointer_moved, arg };
	struct pci_dev devs[32];
	unsigned n = acpi->ecam_base ? pci_scan(acpi, devs, 32) : 0, nr = 0, i;
	int ps2 = 0;

	for (i = 0; i < n && nr < MAX_INPUTS; i++) {
		if (devs[i].vendor != 0x1af4 || devs[i].device != 0x1052)
			continue;
		if (vinput_start(&inputs[nr], nr, devs[i].slot))
			guest_panic("virtio-input: the device did not start");
		nr++;
	}
	if (acpi->has_i8042) {
		if (ps2_start())
			guest_panic("i8042: the keyboard and mouse did not start");
		ps2 = 1;
	}
	con_printf("vessel-guest: input: ready, %u virtio-input devices, ps2 %s, quit key %u\n",
		   nr, ps2 ? "on" : "off", quit_key);
	/*
	 * Interrupts stay off while the devices are looked at, so one raised
	 * after the look stays pending and ends the halt at once: sti holds
	 * interrupts off until after the next instruction (SDM vol. 2B, STI).
	 */
	__asm__ volatile("cli");
	while (!r.quit) {
		int busy = 0;

		for (i = 0; i < nr && !r.quit; i++)
			busy |= vinput_poll(&r, &inputs[i], i);
		if (ps2 && !r.quit)
			busy |= ps2_poll(&r);
		if (!busy && !r.quit)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	for (i = 0; i < nr; i++)
		vdev_reset(&inputs[i].d);
	con_printf("vessel-guest: input: quit key %u, done\n", quit_key);
}
