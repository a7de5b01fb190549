/* virtio-blk request parsing: well-formed, oddly laid out and hostile chains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_vring.h"

#include "virtio/blk_req.h"

#include <string.h>

#define HDR		0x1000
#define DATA		0x10000
#define STATUS		0x2000
#define CAPACITY	2048	/* sectors: 1 MiB */

static struct guest_mem gm;
static struct dma_space ds;
static struct virtq_chain chain;
static struct blk_req req;
static const struct blk_limits rw = {
	.capacity = CAPACITY, .discard = true, .write_zeroes = true,
	.max_discard_sectors = 64, .max_write_zeroes_sectors = 64,
};

static void header(uint32_t type, uint64_t sector)
{
	uint8_t h[16] = { 0 };

	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	gm_write(&gm, HDR, h, sizeof(h));
}

static void seg(uint64_t addr, uint32_t len, bool write)
{
	chain.segs[chain.nr] = (struct virtq_seg){ addr, len, write };
	chain.nr++;
	if (!write)
		chain.nr_out++;
}

/* The common shape: header, one data buffer, status byte. */
static void simple(uint32_t type, uint64_t sector, uint32_t len, bool dev_writes)
{
	memset(&chain, 0, sizeof(chain));
	header(type, sector);
	seg(HDR, 16, false);
	if (len)
		seg(DATA, len, dev_writes);
	seg(STATUS, 1, true);
}

static void range(uint64_t sector, uint32_t sectors, uint32_t flags)
{
	uint8_t r[16];

	memcpy(r, &sector, 8);
	memcpy(r + 8, &sectors, 4);
	memcpy(r + 12, &flags, 4);
	gm_write(&gm, DATA, r, sizeof(r));
}

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

static void test_read_and_write(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_IN, 8, 4096, true);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.op, DISK_READ);
	assert_int_equal(req.io.offset, 8 * 512);
	assert_int_equal(req.io.len, 4096);
	assert_int_equal(req.io.iovcnt, 1);
	assert_ptr_equal(req.iov[0].iov_base, gm_ptr(&gm, DATA, 4096));
	assert_int_equal(req.status_addr, STATUS);
	assert_int_equal(req.in_len, 4097);

	simple(VIRTIO_BLK_T_OUT, CAPACITY - 8, 4096, false);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.op, DISK_WRITE);
	assert_int_equal(req.in_len, 1);
}

/* Any layout (virtio 1.2, 2.6.4): a split header, status sharing the data buffer. */
static void test_any_layout(void **state)
{
	(void)state;
	memset(&chain, 0, sizeof(chain));
	header(VIRTIO_BLK_T_IN, 4);
	seg(HDR, 8, false);
	seg(HDR + 8, 8, false);
	seg(DATA, 1024, true);
	seg(DATA + 1024, 1, true);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.offset, 4 * 512);
	assert_int_equal(req.io.len, 1024);
	assert_int_equal(req.status_addr, DATA + 1024);

	memset(&chain, 0, sizeof(chain));
	seg(HDR, 16, false);
	seg(DATA, 513, true);	/* 512 data bytes, then the status */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.io.len, 512);
	assert_int_equal(req.status_addr, DATA + 512);
}

static void test_errors(void **state)
{
	struct blk_limits ro = rw;

	(void)state;
	ro.readonly = true;
	simple(VIRTIO_BLK_T_OUT, 0, 512, false);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &ro), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);

	simple(VIRTIO_BLK_T_IN, CAPACITY, 512, true);	/* just past the end */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_IN, CAPACITY - 1, 1024, true);	/* straddles the end */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_IN, UINT64_MAX - 1, 1024, true);	/* wraps around */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	simple(VIRTIO_BLK_T_IN, 0, 100, true);	/* not whole sectors */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);

	simple(VIRTIO_BLK_T_IN, 0, 512, true);	/* a buffer outside guest RAM */
	chain.segs[1].addr = MEM - 256;
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);

	simple(99, 0, 0, false);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_UNSUPP);
}

/* Chains the device can not even answer: no header, no status byte. */
static void test_unanswerable(void **state)
{
	(void)state;
	memset(&chain, 0, sizeof(chain));
	seg(HDR, 16, false);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), -1);

	memset(&chain, 0, sizeof(chain));
	seg(HDR, 15, false);
	seg(STATUS, 1, true);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), -1);

	memset(&chain, 0, sizeof(chain));
	seg(MEM + 4096, 16, false);	/* header outside RAM */
	seg(STATUS, 1, true);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), -1);
}

static void test_discard_and_write_zeroes(void **state)
{
	struct blk_limits ro = rw;

	(void)state;
	simple(VIRTIO_BLK_T_DISCARD, 0, 16, false);
	range(64, 32, 0);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.op, DISK_DISCARD);
	assert_int_equal(req.io.offset, 64 * 512);
	assert_int_equal(req.io.len, 32 * 512);

	range(64, 32, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);	/* unmap is for write zeroes only */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_UNSUPP);

	simple(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false);
	range(0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.op, DISK_WRITE_ZEROES);
	range(0, 8, 0x80);	/* an unknown flag */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_UNSUPP);
	range(0, 65, 0);	/* above max_write_zeroes_sectors */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	range(CAPACITY - 4, 8, 0);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);

	simple(VIRTIO_BLK_T_WRITE_ZEROES, 0, 32, false);	/* two ranges; max_seg is 1 */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_UNSUPP);

	ro.readonly = true;
	simple(VIRTIO_BLK_T_DISCARD, 0, 16, false);
	range(0, 8, 0);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &ro), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	ro.discard = false;
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &ro), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_UNSUPP);
}

static void test_get_id_and_flush(void **state)
{
	(void)state;
	simple(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.in_len, VIRTIO_BLK_ID_BYTES + 1);
	simple(VIRTIO_BLK_T_GET_ID, 0, 512, true);	/* a larger buffer gets 20 bytes */
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.io.len, VIRTIO_BLK_ID_BYTES);

	simple(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	assert_int_equal(blk_req_parse(&req, &chain, &ds, &rw), 0);
	assert_int_equal(req.status, VIRTIO_BLK_S_OK);
	assert_int_equal(req.io.op, DISK_FLUSH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_write),
		cmocka_unit_test(test_any_layout),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unanswerable),
		cmocka_unit_test(test_discard_and_write_zeroes),
		cmocka_unit_test(test_get_id_and_flush),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
