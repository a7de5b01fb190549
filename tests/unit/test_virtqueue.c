/* Split virtqueue walking against well-formed and hostile rings in real guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_vring.h"

#include "virtio/virtqueue.h"

#include <pthread.h>
#include <string.h>

static struct guest_mem gm;
static struct dma_space ds;
static struct virtqueue vq;
static struct virtq_chain chain;

static int setup(void **state)
{
	(void)state;
	if (test_guest_init(&gm, &ds))
		return -1;
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, USED, true, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	guest_mem_destroy(&gm);
	return 0;
}

static void test_chain_and_used_ring(void **state)
{
	uint32_t elem[2];
	uint16_t used_idx;

	(void)state;
	assert_int_equal(vq_pop(&vq, &chain), VQ_EMPTY);
	vring_put_desc(&gm, 3, 0x10000, 16, VIRTQ_DESC_F_NEXT, 5);
	vring_put_desc(&gm, 5, 0x11000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 6);
	vring_put_desc(&gm, 6, 0x12000, 1, VIRTQ_DESC_F_WRITE, 0);
	vring_offer(&gm, 3);
	assert_int_equal(vq_pop(&vq, &chain), VQ_CHAIN);
	assert_int_equal(chain.head, 3);
	assert_int_equal(chain.nr, 3);
	assert_int_equal(chain.nr_out, 1);
	assert_int_equal(chain.segs[1].addr, 0x11000);
	assert_true(chain.segs[2].write);
	assert_int_equal(vq_pop(&vq, &chain), VQ_EMPTY);
	assert_int_equal(vq_push(&vq, 3, 513), 0);
	gm_read(&gm, USED + 2, &used_idx, 2);
	gm_read(&gm, USED + 4, elem, 8);
	assert_int_equal(used_idx, 1);
	assert_int_equal(elem[0], 3);
	assert_int_equal(elem[1], 513);
}

static void test_indirect(void **state)
{
	uint8_t tbl[32];
	uint64_t a = 0x20000;
	uint32_t l = 64;
	uint16_t f = VIRTQ_DESC_F_NEXT, n = 1, w = VIRTQ_DESC_F_WRITE;

	(void)state;
	memset(tbl, 0, sizeof(tbl));
	memcpy(tbl, &a, 8);
	memcpy(tbl + 8, &l, 4);
	memcpy(tbl + 12, &f, 2);
	memcpy(tbl + 14, &n, 2);
	a = 0x21000;
	memcpy(tbl + 16, &a, 8);
	memcpy(tbl + 24, &l, 4);
	memcpy(tbl + 28, &w, 2);
	gm_write(&gm, 0x30000, tbl, sizeof(tbl));
	vring_put_desc(&gm, 0, 0x30000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vring_offer(&gm, 0);
	assert_int_equal(vq_pop(&vq, &chain), VQ_CHAIN);
	assert_int_equal(chain.nr, 2);
	assert_int_equal(chain.segs[1].addr, 0x21000);
	assert_true(chain.segs[1].write);
}

static void test_hostile_rings(void **state)
{
	(void)state;
	/* A descriptor loop. */
	vring_put_desc(&gm, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, 1);
	vring_put_desc(&gm, 1, 0x10000, 8, VIRTQ_DESC_F_NEXT, 0);
	vring_offer(&gm, 0);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
	/* next out of the ring. */
	vring_put_desc(&gm, 2, 0x10000, 8, VIRTQ_DESC_F_NEXT, QSZ);
	vring_offer(&gm, 2);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
	/* A head index out of the ring. */
	vring_offer(&gm, QSZ + 1);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
	/* Readable after writable. */
	vring_put_desc(&gm, 3, 0x10000, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 4);
	vring_put_desc(&gm, 4, 0x10000, 8, 0, 0);
	vring_offer(&gm, 3);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
	/* An indirect table whose length is no multiple of a descriptor. */
	vring_put_desc(&gm, 5, 0x40000, 17, VIRTQ_DESC_F_INDIRECT, 0);
	vring_offer(&gm, 5);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
	/* A ring outside guest memory. */
	vq_init(&vq, &ds, QSZ, DESC, MEM - 2, USED, true, true);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
}

static void test_avail_index_jump(void **state)
{
	uint16_t idx = QSZ + 1;

	(void)state;
	gm_write(&gm, AVAIL + 2, &idx, 2);
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
}

static void test_event_idx(void **state)
{
	uint16_t used_event = 0;

	(void)state;
	vring_put_desc(&gm, 0, 0x10000, 8, 0, 0);
	gm_write(&gm, AVAIL + 4 + 2 * QSZ, &used_event, 2);
	vring_offer(&gm, 0);
	vring_offer(&gm, 0);
	assert_int_equal(vq_pop(&vq, &chain), VQ_CHAIN);
	vq_push(&vq, 0, 0);
	assert_true(vq_should_notify(&vq));	/* used_idx went 0 -> 1 past event 0 */
	assert_int_equal(vq_pop(&vq, &chain), VQ_CHAIN);
	vq_push(&vq, 0, 0);
	assert_false(vq_should_notify(&vq));	/* the driver asked only about entry 0 */
	/* Finding the ring empty publishes avail_event, so the driver kicks again. */
	assert_int_equal(vq_pop(&vq, &chain), VQ_EMPTY);
	gm_read(&gm, USED + 4 + 8 * QSZ, &used_event, 2);
	assert_int_equal(used_event, 2);
}

static uint16_t used_flags(void)
{
	uint16_t f;

	gm_read(&gm, USED, &f, 2);
	return f;
}

static uint16_t avail_event(void)
{
	uint16_t e;

	gm_read(&gm, USED + 4 + 8 * QSZ, &e, 2);
	return e;
}

/* While the device polls, an EVENT_IDX driver is left past avail_event: it stops kicking. */
static void test_quiet_event_idx(void **state)
{
	(void)state;
	vring_put_desc(&gm, 0, 0x10000, 8, 0, 0);
	assert_false(vq_has_avail(&vq));
	assert_int_equal(vq_disable_notify(&vq), 0);
	vring_offer(&gm, 0);
	assert_true(vq_has_avail(&vq));
	assert_int_equal(vq_pop(&vq, &chain), VQ_CHAIN);
	assert_false(vq_has_avail(&vq));
	/* Empty while quiet: avail_event stays where it was (0), not moved to 1. */
	assert_int_equal(vq_pop(&vq, &chain), VQ_EMPTY);
	assert_int_equal(avail_event(), 0);
	assert_int_equal(vq_enable_notify(&vq), 0);
	assert_int_equal(avail_event(), 1);
	assert_int_equal(used_flags(), 0);	/* EVENT_IDX drivers ignore the flag: untouched */
}

/* Without EVENT_IDX the device asks with VIRTQ_USED_F_NO_NOTIFY (2.7.10). */
static void test_quiet_flags(void **state)
{
	(void)state;
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, USED, false, false);
	assert_int_equal(vq_disable_notify(&vq), 0);
	assert_int_equal(used_flags(), 1);
	assert_int_equal(vq_enable_notify(&vq), 0);
	assert_int_equal(used_flags(), 0);
	/* A queue the driver never set up has no rings to write. */
	vq_init(&vq, &ds, 0, 0, 0, 0, false, false);
	assert_int_equal(vq_disable_notify(&vq), 0);
	assert_false(vq_has_avail(&vq));
	/* A used ring outside RAM is the driver's error, reported. */
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, MEM, false, false);
	assert_int_equal(vq_disable_notify(&vq), -1);
	vq_init(&vq, &ds, QSZ, DESC, MEM, USED, false, false);
	assert_true(vq_has_avail(&vq));	/* unreadable: vq_pop will say BROKEN */
	assert_int_equal(vq_pop(&vq, &chain), VQ_BROKEN);
}

/*
 * A driver moves avail->idx while the device reads it. A read that mixes the
 * old low byte with the new high byte (0x12ff -> 0x1300 read as 0x13ff) looks
 * like a corrupt index and breaks the queue: the read must be one access.
 */
static volatile uint16_t *race_idx;
static uint32_t race_count;	/* how far the driver got: race_idx follows it */
static volatile int race_stop;

static void *driver_thread(void *arg)
{
	uint32_t i = 0;

	(void)arg;
	while (!race_stop) {
		i++;
		__atomic_store_n(race_idx, (uint16_t)i, __ATOMIC_RELEASE);
		__atomic_store_n(&race_count, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_index_read_not_torn(void **state)
{
	pthread_t t;
	uint32_t before, after;
	unsigned n, bad = 0;
	uint16_t v;

	(void)state;
	race_idx = gm_ptr(&gm, AVAIL + 2, 2);
	*race_idx = 0;
	race_count = 0;
	race_stop = 0;
	assert_int_equal(pthread_create(&t, NULL, driver_thread, NULL), 0);
	for (n = 0; n < 20000000; n++) {
		before = __atomic_load_n(&race_count, __ATOMIC_ACQUIRE);
		assert_int_equal(dma_read16(&ds, AVAIL + 2, &v), 0);
		after = __atomic_load_n(&race_count, __ATOMIC_ACQUIRE);
		/* The index was at least @before and at most @after + 1 during the read. */
		if (after - before < 0x8000 && (uint16_t)(v - (uint16_t)before) > after + 1 - before)
			bad++;
	}
	race_stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_int_equal(dma_read16(&ds, AVAIL + 1, &v), -1);	/* misaligned */
	assert_int_equal(dma_read16(&ds, MEM, &v), -1);		/* outside RAM */
	assert_int_equal(dma_write16(&ds, USED + 2, 0x1234), 0);
	assert_int_equal(*(uint16_t *)gm_ptr(&gm, USED + 2, 2), 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_and_used_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_index_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_event_idx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_read_not_torn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
