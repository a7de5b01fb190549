/* Disk I/O on a real image file, through io_uring and the synchronous engine alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend/disk_io.h"
#include "core/log.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMG_SIZE (1 << 20)

struct fixture {
	char path[64];
	struct disk disk;
	struct disk_io io;
	int done, res;
};

static void complete(void *opaque, struct disk_request *r, int res)
{
	struct fixture *f = opaque;

	(void)r;
	f->done++;
	f->res = res;
}

/* Run one request to its end, whichever engine. */
static int run(struct fixture *f, struct disk_request *r)
{
	int before = f->done;

	disk_io_submit(&f->io, r);
	disk_io_flush(&f->io);
	while (f->done == before) {
		struct pollfd p = { .fd = disk_io_event_fd(&f->io), .events = POLLIN };

		assert_true(p.fd >= 0);
		assert_int_equal(poll(&p, 1, 5000), 1);
		disk_io_reap(&f->io);
	}
	return f->res;
}

static int setup(struct fixture *f, bool uring, bool direct)
{
	int fd;

	strcpy(f->path, "/tmp/vessel-disk-io.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, IMG_SIZE))
		return -1;
	close(fd);
	if (disk_open(&f->disk, f->path, false, direct))
		return -1;
	return disk_io_init(&f->io, &f->disk, 16, uring, complete, f);
}

static int setup_uring(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? setup(f, true, false) : -1;
}

static int setup_sync(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? setup(f, false, false) : -1;
}

/* cache=none where the file system under /tmp takes O_DIRECT; the test skips otherwise. */
static int setup_direct(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -1;
	if (setup(f, true, true)) {
		unlink(f->path);
		f->disk.fd = f->disk.direct_fd = -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	disk_io_destroy(&f->io);
	disk_close(&f->disk);
	unlink(f->path);
	free(f);
	return 0;
}

static void test_write_read_zero(void **state)
{
	struct fixture *f = *state;
	static uint8_t a[8192], b[8192];
	struct iovec iov[2] = { { a, 4096 }, { a + 4096, 4096 } };
	struct iovec back = { b, sizeof(b) };
	struct disk_request w = { DISK_WRITE, 65536, sizeof(a), iov, 2 };
	struct disk_request r = { DISK_READ, 65536, sizeof(b), &back, 1 };
	struct disk_request fl = { DISK_FLUSH, 0, 0, NULL, 0 };
	struct disk_request z = { DISK_WRITE_ZEROES, 65536 + 4096, 4096, NULL, 0 };
	struct disk_request d = { DISK_DISCARD, 65536, 4096, NULL, 0 };
	unsigned i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(run(f, &w), sizeof(a));
	assert_int_equal(run(f, &fl), 0);
	assert_int_equal(run(f, &r), sizeof(b));
	assert_memory_equal(a, b, sizeof(a));

	assert_int_equal(run(f, &z), 0);
	back.iov_base = b;
	back.iov_len = sizeof(b);
	assert_int_equal(run(f, &r), sizeof(b));
	assert_memory_equal(a, b, 4096);
	for (i = 4096; i < sizeof(b); i++)
		assert_int_equal(b[i], 0);

	/* A discarded range reads back as zeroes here (a hole) or as it was. */
	assert_int_equal(run(f, &d), 0);
}

static void test_errors_reach_completion(void **state)
{
	struct fixture *f = *state;
	static uint8_t a[512];
	struct iovec iov = { a, sizeof(a) };
	struct disk_request r = { DISK_READ, IMG_SIZE, sizeof(a), &iov, 1 };

	/* At the end of file a read finds nothing: the engine reports an error, not a hang. */
	assert_true(run(f, &r) < 0);
}

/* Aligned requests bypass the page cache, others go through it, and both see one disk. */
static void test_cache_none(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[3 * 4096] __attribute__((aligned(4096))), back[2 * 4096]
		__attribute__((aligned(4096)));
	struct iovec odd = { buf + 1, 4096 }, even = { back, 4096 };
	struct disk_request w = { DISK_WRITE, 8192, 4096, &odd, 1 };
	struct disk_request r = { DISK_READ, 8192, 4096, &even, 1 };
	unsigned i;

	if (f->disk.fd < 0)
		skip();		/* said by disk_open: this file system has no O_DIRECT */
	assert_true(f->disk.direct_fd >= 0);
	assert_true(f->disk.dio_offset_align && f->disk.dio_offset_align <= 4096);
	assert_int_equal(disk_rw_fd(&f->disk, &even, 1, 8192, 4096), f->disk.direct_fd);
	assert_int_equal(disk_rw_fd(&f->disk, &odd, 1, 8192, 4096), f->disk.fd);
	assert_int_equal(disk_rw_fd(&f->disk, &even, 1, 8192 + 1, 4096), f->disk.fd);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	/* Written through the page cache, read past it. */
	assert_int_equal(run(f, &w), 4096);
	assert_int_equal(run(f, &r), 4096);
	assert_memory_equal(back, buf + 1, 4096);
	/* Written past the page cache, read through it. */
	odd.iov_base = buf + 4096 + 3;
	even.iov_base = buf + 4096;
	w = (struct disk_request){ DISK_WRITE, 16384, 4096, &even, 1 };
	r = (struct disk_request){ DISK_READ, 16384, 4096, &odd, 1 };
	memcpy(back + 4096, buf + 4096, 4096);
	assert_int_equal(run(f, &w), 4096);
	assert_int_equal(run(f, &r), 4096);
	assert_memory_equal(buf + 4096 + 3, back + 4096, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_zero, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_zero, setup_sync, teardown),
		cmocka_unit_test_setup_teardown(test_errors_reach_completion, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_errors_reach_completion, setup_sync, teardown),
		cmocka_unit_test_setup_teardown(test_cache_none, setup_direct, teardown),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
