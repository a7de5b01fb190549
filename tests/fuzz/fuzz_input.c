/*
 * libFuzzer target: what a guest controls of the input devices. The first
 * byte picks the part:
 *   0 virtio-input's eventq: events wait and go into the guest's hostile ring
 *   1 virtio-input's statusq: the guest's LED reports from a hostile ring
 *   2 virtio-input's configuration space: select/subsel writes and reads
 *   3 the i8042: port accesses, the aux port's command stream, keys and pointer
 *     moves from the host, then a save/restore round trip
 * What must hold: no event is lost but by the drop counter, only valid LEDs,
 * the union's size within it, every page the VMM writes in the dirty log, an
 * interrupt line up only with a byte of its port in the output buffer, and
 * a restored i8042 saving the very bytes it was restored from.
 */
#include "fuzz_common.h"
#include "core/input.h"
#include "hw/i8042.h"
#include "virtio/input_config.h"
#include "virtio/input_queue.h"

#include <stdlib.h>
#include <string.h>

#define MEM (16 * 1024)
#define QSZ 16
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000

static struct guest_mem gm;
static struct dma_space ds;
static unsigned long dirty[1];
static uint8_t before[MEM];
static struct virtq_chain chain;
static int levels[16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_mem(&gm, MEM);
	/* A dirty log's user, as far as the VMM's own writes go. */
	gm.regions[0].vmm_dirty = dirty;
	gm.regions[0].logging = true;
	dma_space_init(&ds, &gm, NULL, 0);
	return 0;
}

static void check_dirty(const uint8_t *mem)
{
	unsigned page;

	for (page = 0; page < MEM / 4096; page++)
		if (memcmp(mem + page * 4096, before + page * 4096, 4096) &&
		    !(dirty[0] >> page & 1))
			abort();
}

/* Guest memory from the input; the rings at DESC, AVAIL, USED. */
static void load_memory(struct virtqueue *vq, const uint8_t *data, size_t size, bool event_idx)
{
	uint8_t *mem = gm.regions[0].hva;

	memset(mem, 0, MEM);
	memcpy(mem, data, size < MEM ? size : MEM);
	memcpy(before, mem, MEM);
	dirty[0] = 0;
	vq_init(vq, &ds, QSZ, DESC, AVAIL, USED, event_idx, true);
}

static void fuzz_events(const uint8_t *data, size_t size)
{
	static struct virtio_input_events pending;
	struct virtio_input_stats st = { 0 };
	struct virtqueue vq;
	unsigned n, i;
	int r = 1;

	if (size < 2)
		return;
	n = data[1] * 2u;	/* up to 510: past the queue's bound */
	load_memory(&vq, data + 2, size - 2, data[0] & 0x80);
	memset(&pending, 0, sizeof(pending));
	for (i = 0; i < n; i++)
		virtio_input_queue_event(&pending, &st, (uint16_t)(i % 4), (uint16_t)i, i);
	for (i = 0; i < 3 && r > 0; i++)
		r = virtio_input_fill_events(&vq, &chain, &pending, &st);
	if (pending.count > VIRTIO_INPUT_PENDING || st.events + pending.count + st.dropped != n)
		abort();
	check_dirty(gm.regions[0].hva);
}

static void fuzz_status(const uint8_t *data, size_t size)
{
	struct virtio_input_stats st = { 0 };
	struct virtqueue vq;
	uint32_t leds = 0;

	load_memory(&vq, data + 1, size - 1, data[0] & 0x80);
	virtio_input_take_status(&vq, &chain, &leds, &st);
	if (leds & ~7u || st.statuses + st.bad_statuses > 2 * QSZ)
		abort();
	check_dirty(gm.regions[0].hva);
}

static void fuzz_config(const uint8_t *data, size_t size)
{
	struct virtio_input_config c;
	uint8_t buf[8];
	size_t i;

	virtio_input_config_init(&c, data[0] & 0x80 ? VIRTIO_INPUT_TABLET : VIRTIO_INPUT_KEYBOARD,
				 data[0] & 3);
	for (i = 1; i + 3 <= size; i += 3) {
		unsigned len = 1 + data[i + 1] % 8;
		uint64_t off = data[i] % (VIRTIO_INPUT_CFG_SIZE + 16);

		if (data[i + 1] & 0x80) {
			memset(buf, data[i + 2], sizeof(buf));
			virtio_input_config_write(&c, off, buf, len);
		} else {
			virtio_input_config_read(&c, off, buf, len);
		}
		if (c.bytes[2] > VIRTIO_INPUT_CFG_SIZE - VIRTIO_INPUT_CFG_UNION ||
		    c.bytes[0] != c.select || c.bytes[1] != c.subsel)
			abort();
	}
}

static void line_set(void *opaque, unsigned gsi, int level)
{
	(void)opaque;
	levels[gsi % 16] = level;
}

static void no_reset(void *opaque)
{
	(void)opaque;
}

static void check_lines(struct i8042 *k)
{
	uint8_t st = i8042_read(k, I8042_CMD_PORT);

	if (levels[I8042_KBD_IRQ] && (!(st & 0x01) || (st & 0x20)))
		abort();
	if (levels[I8042_AUX_IRQ] && (!(st & 0x01) || !(st & 0x20)))
		abort();
}

static void save_restore(struct i8042 *k)
{
	struct irq_line kbd = { line_set, NULL, I8042_KBD_IRQ };
	struct irq_line aux = { line_set, NULL, I8042_AUX_IRQ };
	struct i8042 *copy = i8042_create(&kbd, &aux, no_reset, NULL);
	struct state_writer a, b;
	struct state_reader r;

	if (!copy)
		abort();
	state_writer_init(&a);
	state_writer_init(&b);
	if (i8042_device_ops.save(k, &a))
		abort();
	state_reader_init(&r, a.buf, a.len);
	if (i8042_device_ops.restore(copy, &r, i8042_device_ops.state_version) ||
	    i8042_device_ops.save(copy, &b) || a.len != b.len || memcmp(a.buf, b.buf, a.len))
		abort();
	state_writer_free(&a);
	state_writer_free(&b);
	i8042_destroy(copy);
}

static void fuzz_i8042(const uint8_t *data, size_t size)
{
	struct irq_line kbd = { line_set, NULL, I8042_KBD_IRQ };
	struct irq_line aux = { line_set, NULL, I8042_AUX_IRQ };
	struct i8042 *k;
	size_t i;

	memset(levels, 0, sizeof(levels));
	k = i8042_create(&kbd, &aux, no_reset, NULL);
	if (!k)
		abort();
	for (i = 1; i + 3 <= size; i += 3) {
		uint8_t op = data[i], v = data[i + 1];
		unsigned arg = (unsigned)data[i + 1] | (unsigned)data[i + 2] << 8;

		switch (op % 7) {
		case 0:
			i8042_write(k, I8042_CMD_PORT, v);
			break;
		case 1:
			i8042_write(k, I8042_DATA_PORT, v);
			break;
		case 2:	/* the aux command stream, as Linux's psmouse sends it */
			i8042_write(k, I8042_CMD_PORT, 0xd4);
			i8042_write(k, I8042_DATA_PORT, v);
			break;
		case 3:
			i8042_read(k, I8042_DATA_PORT);
			break;
		case 4:
			i8042_keyboard_sink.key(k, arg % 0x300, op & 0x80);
			break;
		case 5:
			i8042_mouse_sink.pointer(k, arg * 2u, (arg >> 3) * 17u, op >> 3);
			break;
		default:
			i8042_keyboard_sink.ready(k);
			i8042_mouse_sink.ready(k);
			break;
		}
		check_lines(k);
	}
	save_restore(k);
	i8042_destroy(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		fuzz_events(data, size);
		break;
	case 1:
		fuzz_status(data, size);
		break;
	case 2:
		fuzz_config(data, size);
		break;
	default:
		fuzz_i8042(data, size);
		break;
	}
	return 0;
}
