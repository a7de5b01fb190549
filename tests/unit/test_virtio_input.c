/* virtio-input's configuration space and its two queues, against rings in real guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_vring.h"

#include "core/input.h"
#include "virtio/input.h"
#include "virtio/input_config.h"
#include "virtio/input_queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUFS	0x10000

static struct guest_mem gm;
static struct dma_space ds;
static struct virtqueue vq;
static struct virtq_chain chain;
static struct virtio_input_events pending;
static struct virtio_input_stats stats;

static int setup(void **state)
{
	(void)state;
	if (test_guest_init(&gm, &ds))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	guest_mem_destroy(&gm);
	return 0;
}

static int fresh(void **state)
{
	uint8_t zero[0x3000] = { 0 };

	(void)state;
	gm_write(&gm, DESC, zero, sizeof(zero));
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, USED, false, false);
	memset(&pending, 0, sizeof(pending));
	memset(&stats, 0, sizeof(stats));
	return 0;
}

static uint8_t select_size(struct virtio_input_config *c, uint8_t select, uint8_t subsel)
{
	uint8_t sel[2] = { select, subsel }, size;

	virtio_input_config_write(c, 0, sel, 2);
	virtio_input_config_read(c, 2, &size, 1);
	return size;
}

static void test_config_ids(void **state)
{
	struct virtio_input_config c;
	char name[129] = { 0 };
	uint8_t ids[8], size;

	(void)state;
	virtio_input_config_init(&c, VIRTIO_INPUT_KEYBOARD, 0);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_UNSET, 0), 0);
	size = select_size(&c, VIRTIO_INPUT_CFG_ID_NAME, 0);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, name, size);
	assert_string_equal(name, "vessel virtio keyboard");
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_ID_NAME, 1), 0);
	size = select_size(&c, VIRTIO_INPUT_CFG_ID_SERIAL, 0);
	memset(name, 0, sizeof(name));
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, name, size);
	assert_string_equal(name, "keyboard0");
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_ID_DEVIDS, 0), 8);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, ids, 8);
	assert_int_equal(ids[0] | ids[1] << 8, 0x06);	/* BUS_VIRTUAL */
	assert_int_equal(ids[4] | ids[5] << 8, 1);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_PROP_BITS, 0), 0);
	assert_int_equal(select_size(&c, 0x55, 0), 0);	/* an unknown select */
}

static bool bit(const uint8_t *u, unsigned b)
{
	return u[b / 8] >> (b % 8) & 1;
}

static void test_config_keyboard_bits(void **state)
{
	struct virtio_input_config c;
	uint8_t u[128];

	(void)state;
	virtio_input_config_init(&c, VIRTIO_INPUT_KEYBOARD, 0);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY), 32);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, u, sizeof(u));
	assert_false(bit(u, 0));	/* KEY_RESERVED */
	assert_true(bit(u, 1) && bit(u, 30) && bit(u, 103) && bit(u, 255));
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_REP), 1);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_LED), 1);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, u, 1);
	assert_int_equal(u[0], 0x07);	/* Num, Caps, Scroll Lock */
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS), 0);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X), 0);
	assert_true(virtio_input_has_key(1) && virtio_input_has_key(255));
	assert_false(virtio_input_has_key(0) || virtio_input_has_key(BTN_LEFT));
}

static void test_config_tablet(void **state)
{
	struct virtio_input_config c;
	uint8_t u[128], all[VIRTIO_INPUT_CFG_SIZE + 8], size = 0xff;
	uint32_t abs[5];

	(void)state;
	virtio_input_config_init(&c, VIRTIO_INPUT_TABLET, 0);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS), 1);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, u, 1);
	assert_int_equal(u[0], 0x03);	/* ABS_X, ABS_Y */
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY), BTN_MIDDLE / 8 + 1);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, u, BTN_MIDDLE / 8 + 1);
	assert_true(bit(u, BTN_LEFT) && bit(u, BTN_RIGHT) && bit(u, BTN_MIDDLE));
	assert_false(bit(u, 30));
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_EV_BITS, EV_REL), 2);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, u, 2);
	assert_true(bit(u, REL_WHEEL));
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y), 20);
	virtio_input_config_read(&c, VIRTIO_INPUT_CFG_UNION, abs, sizeof(abs));
	assert_int_equal(abs[0], 0);
	assert_int_equal(abs[1], INPUT_ABS_MAX);
	assert_int_equal(select_size(&c, VIRTIO_INPUT_CFG_ABS_INFO, 2), 0);	/* ABS_Z */
	/* size is the device's: a write there changes nothing; past the end reads 0. */
	virtio_input_config_write(&c, 2, &size, 1);
	virtio_input_config_read(&c, 2, &size, 1);
	assert_int_equal(size, 0);
	virtio_input_config_read(&c, 0, all, sizeof(all));
	assert_int_equal(all[VIRTIO_INPUT_CFG_SIZE + 3], 0);
}

static void read_event(unsigned i, uint8_t *b)
{
	gm_read(&gm, BUFS + 16 * i, b, 8);
}

static void test_events_wait_for_buffers(void **state)
{
	uint8_t b[8];
	unsigned i;

	(void)state;
	virtio_input_queue_event(&pending, &stats, EV_KEY, 30, 1);
	virtio_input_queue_event(&pending, &stats, EV_SYN, SYN_REPORT, 0);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), 0);
	assert_int_equal(pending.count, 2);
	/* One buffer: one event goes, the other waits. */
	vring_put_desc(&gm, 0, BUFS, 8, VIRTQ_DESC_F_WRITE, 0);
	vring_offer(&gm, 0);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), 1);
	read_event(0, b);
	assert_int_equal(b[0] | b[1] << 8, EV_KEY);
	assert_int_equal(b[2] | b[3] << 8, 30);
	assert_int_equal(b[4], 1);
	assert_int_equal(pending.count, 1);
	for (i = 1; i < 4; i++) {
		vring_put_desc(&gm, i, BUFS + 16 * i, 8, VIRTQ_DESC_F_WRITE, 0);
		vring_offer(&gm, (uint16_t)i);
	}
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), 1);
	read_event(1, b);
	assert_int_equal(b[0] | b[1] << 8, EV_SYN);
	assert_int_equal(vring_used_idx(&gm), 2);
	assert_int_equal(stats.events, 2);
	assert_int_equal(pending.count, 0);
}

static void test_events_split_buffer_and_negative(void **state)
{
	uint8_t b[8];

	(void)state;
	/* An event over two 4-byte buffers of one chain. */
	vring_put_desc(&gm, 0, BUFS, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vring_put_desc(&gm, 1, BUFS + 4, 4, VIRTQ_DESC_F_WRITE, 0);
	vring_offer(&gm, 0);
	virtio_input_queue_event(&pending, &stats, EV_REL, REL_WHEEL, (uint32_t)-1);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), 1);
	read_event(0, b);
	assert_int_equal(b[2], REL_WHEEL);
	assert_int_equal(b[4] & b[5] & b[6] & b[7], 0xff);
}

static void test_events_oldest_dropped(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < VIRTIO_INPUT_PENDING + 3; i++)
		virtio_input_queue_event(&pending, &stats, EV_ABS, ABS_X, i);
	assert_int_equal(pending.count, VIRTIO_INPUT_PENDING);
	assert_int_equal(stats.dropped, 3);
	assert_int_equal(pending.ev[pending.head].value, 3);	/* the oldest left */
}

static void test_events_bad_buffers(void **state)
{
	(void)state;
	virtio_input_queue_event(&pending, &stats, EV_KEY, 30, 1);
	vring_put_desc(&gm, 0, BUFS, 4, VIRTQ_DESC_F_WRITE, 0);	/* too small for an event */
	vring_offer(&gm, 0);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), -1);
	fresh(NULL);
	virtio_input_queue_event(&pending, &stats, EV_KEY, 30, 1);
	vring_put_desc(&gm, 0, MEM - 4, 8, VIRTQ_DESC_F_WRITE, 0);	/* past the end of RAM */
	vring_offer(&gm, 0);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), -1);
	fresh(NULL);
	virtio_input_queue_event(&pending, &stats, EV_KEY, 30, 1);
	vring_put_desc(&gm, 0, BUFS, 8, 0, 0);	/* device-readable only */
	vring_offer(&gm, 0);
	assert_int_equal(virtio_input_fill_events(&vq, &chain, &pending, &stats), -1);
}

static void put_status(unsigned i, uint16_t type, uint16_t code, uint32_t value, uint32_t len)
{
	uint8_t b[8];

	memcpy(b, &type, 2);
	memcpy(b + 2, &code, 2);
	memcpy(b + 4, &value, 4);
	gm_write(&gm, BUFS + 16 * i, b, 8);
	vring_put_desc(&gm, i, BUFS + 16 * i, len, 0, 0);
	vring_offer(&gm, (uint16_t)i);
}

static void test_status(void **state)
{
	uint32_t leds = 0;

	(void)state;
	put_status(0, EV_LED, LED_CAPSL, 1, 8);
	put_status(1, EV_LED, LED_NUML, 1, 8);
	put_status(2, EV_LED, LED_NUML, 0, 8);
	assert_int_equal(virtio_input_take_status(&vq, &chain, &leds, &stats), 1);
	assert_int_equal(leds, 1u << LED_CAPSL);
	assert_int_equal(stats.statuses, 3);
	/* Malformed reports are counted and ignored; the ring goes on. */
	put_status(3, EV_LED, 9, 1, 8);		/* no such LED */
	put_status(4, EV_KEY, 30, 1, 8);	/* not a status */
	put_status(5, EV_LED, LED_NUML, 1, 6);	/* short */
	put_status(6, EV_LED, LED_NUML, 7, 8);	/* not on or off */
	assert_int_equal(virtio_input_take_status(&vq, &chain, &leds, &stats), 1);
	assert_int_equal(leds, 1u << LED_CAPSL);
	assert_int_equal(stats.bad_statuses, 4);
	assert_int_equal(vring_used_idx(&gm), 7);
	/* A chain that leaves RAM breaks the ring's rules: a reset. */
	vring_put_desc(&gm, 7, MEM + 0x1000, 8, 0, 0);
	vring_offer(&gm, 7);
	assert_int_equal(virtio_input_take_status(&vq, &chain, &leds, &stats), -1);
}

static struct virtio_input *make_input(void)
{
	struct virtio_input *in = calloc(1, sizeof(*in));

	assert_non_null(in);
	pthread_mutex_init(&in->ev_lock, NULL);
	virtio_input_config_init(&in->cfg, VIRTIO_INPUT_TABLET, 0);
	in->vd.opaque = in;
	return in;
}

static void test_state_round_trip(void **state)
{
	struct virtio_input *a = make_input(), *b = make_input();
	uint8_t sel[2] = { VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y };
	struct state_writer w;
	struct state_reader r;

	(void)state;
	virtio_input_config_write(&a->cfg, 0, sel, 2);
	a->leds = 1u << LED_SCROLLL;
	a->buttons = INPUT_BTN_LEFT;
	virtio_input_queue_event(&a->pending, &a->stats, EV_ABS, ABS_X, 1234);
	virtio_input_queue_event(&a->pending, &a->stats, EV_SYN, SYN_REPORT, 0);
	state_writer_init(&w);
	virtio_input_save(&a->vd, &w);
	/* The check pass changes nothing; the apply pass installs it all. */
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(virtio_input_restore(&b->vd, &r, false), 0);
	assert_int_equal(state_reader_done(&r), 0);
	assert_int_equal(b->pending.count, 0);
	assert_int_equal(b->cfg.bytes[2], 0);
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(virtio_input_restore(&b->vd, &r, true), 0);
	assert_int_equal(state_reader_done(&r), 0);
	assert_int_equal(b->cfg.select, VIRTIO_INPUT_CFG_ABS_INFO);
	assert_int_equal(b->cfg.bytes[2], 20);	/* the answer is there again */
	assert_int_equal(b->leds, 1u << LED_SCROLLL);
	assert_int_equal(b->buttons, INPUT_BTN_LEFT);
	assert_int_equal(b->pending.count, 2);
	assert_int_equal(b->pending.ev[0].value, 1234);
	assert_int_equal(b->pending.ev[1].type, EV_SYN);
	/* Truncated, or LEDs this keyboard does not have: refused. */
	state_reader_init(&r, w.buf, w.len - 1);
	assert_int_not_equal(virtio_input_restore(&b->vd, &r, false), 0);
	w.buf[2] = 0x80;
	state_reader_init(&r, w.buf, w.len);
	assert_int_not_equal(virtio_input_restore(&b->vd, &r, false), 0);
	state_writer_free(&w);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_ids),
		cmocka_unit_test(test_config_keyboard_bits),
		cmocka_unit_test(test_config_tablet),
		cmocka_unit_test_setup(test_events_wait_for_buffers, fresh),
		cmocka_unit_test_setup(test_events_split_buffer_and_negative, fresh),
		cmocka_unit_test_setup(test_events_oldest_dropped, fresh),
		cmocka_unit_test_setup(test_events_bad_buffers, fresh),
		cmocka_unit_test_setup(test_status, fresh),
		cmocka_unit_test(test_state_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
