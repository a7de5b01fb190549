/*
 * The migration stream over a real socket pair: hellos, records and page
 * batches written by one end and read by the other; and what the reader
 * refuses: another program, another version, a bad checksum, pages outside
 * RAM. Addresses: what unix: and tcp: URIs parse to, and their errors.
 */
#include "api/migrate_stream.h"
#include "api/migrate_uri.h"
#include "core/crc32c.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fds[2];
static struct mig_io out, in;

static ssize_t sock_read(void *opaque, void *buf, size_t len)
{
	return read(*(int *)opaque, buf, len);
}

static ssize_t sock_write(void *opaque, const void *buf, size_t len)
{
	return write(*(int *)opaque, buf, len);
}

static int setup(void **state)
{
	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		return -1;
	out = (struct mig_io){ sock_read, sock_write, &fds[0], 0, 0 };
	in = (struct mig_io){ sock_read, sock_write, &fds[1], 0, 0 };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

static void test_hello(void **state)
{
	struct error err = { 0 };

	(void)state;
	assert_int_equal(mig_send_hello(&out, &err), 0);
	assert_int_equal(mig_recv_hello(&in, &err), 0);
	assert_int_equal(write(fds[0], "HTTP/1.1 200 OK\r\n", 17), 17);
	assert_int_equal(mig_recv_hello(&in, &err), -1);
	assert_non_null(strstr(err.msg, "not vessel"));
}

static void test_other_version(void **state)
{
	uint8_t h[MIG_HELLO_LEN] = "VESSMIG\n\x02\0\0\0";
	struct error err = { 0 };

	(void)state;
	assert_int_equal(write(fds[0], h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(mig_recv_hello(&in, &err), -1);
	assert_non_null(strstr(err.msg, "format 2"));
}

static void test_records_and_pages(void **state)
{
	static uint8_t ram[8 * MIG_PAGE_SIZE], src[3][MIG_PAGE_SIZE];
	struct error err = { 0 };
	struct mig_pages batch;
	struct mig_reader rd;
	struct mig_record rec;
	uint64_t pages = 0;

	(void)state;
	memset(ram, 0xee, sizeof(ram));
	memset(src[0], 0x11, MIG_PAGE_SIZE);
	memset(src[1], 0, MIG_PAGE_SIZE);
	memset(src[2], 0x33, MIG_PAGE_SIZE);
	assert_int_equal(mig_send_record(&out, MIG_CONFIG, "{}", 2, &err), 0);
	mig_pages_init(&batch);
	assert_int_equal(mig_pages_add(&batch, &out, 0, src[0], &err), 0);
	assert_int_equal(mig_pages_add(&batch, &out, 3 * MIG_PAGE_SIZE, src[1], &err), 0);
	assert_int_equal(mig_pages_add(&batch, &out, 7 * MIG_PAGE_SIZE, src[2], &err), 0);
	assert_int_equal(mig_pages_flush(&batch, &out, &err), 0);
	mig_pages_free(&batch);
	assert_int_equal(mig_send_record(&out, MIG_END, NULL, 0, &err), 0);

	mig_reader_init(&rd, &in);
	assert_int_equal(mig_read_record(&rd, &rec, &err), 0);
	assert_int_equal(rec.type, MIG_CONFIG);
	assert_memory_equal(rec.payload, "{}", 2);
	assert_int_equal(mig_read_record(&rd, &rec, &err), 0);
	assert_int_equal(rec.type, MIG_PAGES);
	/* The zero page travels as a flag: two pages of bytes, three offsets, a count. */
	assert_int_equal(rec.len, 4 + 3 * 8 + 2 * MIG_PAGE_SIZE);
	assert_int_equal(mig_pages_apply(rec.payload, rec.len, ram, sizeof(ram), &pages, &err), 0);
	assert_int_equal(pages, 3);
	assert_memory_equal(ram, src[0], MIG_PAGE_SIZE);
	assert_memory_equal(ram + 3 * MIG_PAGE_SIZE, src[1], MIG_PAGE_SIZE);
	assert_memory_equal(ram + 7 * MIG_PAGE_SIZE, src[2], MIG_PAGE_SIZE);
	assert_int_equal(ram[MIG_PAGE_SIZE], 0xee);	/* untouched */
	/* The same batch on a RAM one page too small: refused, by name. */
	assert_int_equal(mig_pages_apply(rec.payload, rec.len, ram, 7 * MIG_PAGE_SIZE, &pages,
					 &err), -1);
	assert_non_null(strstr(err.msg, "outside RAM"));
	assert_int_equal(mig_read_record(&rd, &rec, &err), 0);
	assert_int_equal(rec.type, MIG_END);
	assert_int_equal(rec.len, 0);
	mig_reader_free(&rd);
}

static void test_bad_records(void **state)
{
	uint8_t rec[8 + 3 + 4] = { MIG_CONFIG, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c' };
	uint8_t big[8] = { MIG_END, 0, 0, 0, 1, 0, 0, 0 };
	uint8_t unknown[8] = { 99, 0, 0, 0, 0, 0, 0, 0 };
	struct error err = { 0 };
	struct mig_reader rd;
	struct mig_record r;
	uint32_t crc = crc32c(0, rec, 11) ^ 1;

	(void)state;
	memcpy(rec + 11, &crc, 4);
	mig_reader_init(&rd, &in);
	assert_int_equal(write(fds[0], rec, sizeof(rec)), (ssize_t)sizeof(rec));
	assert_int_equal(mig_read_record(&rd, &r, &err), -1);
	assert_non_null(strstr(err.msg, "checksum"));
	assert_int_equal(write(fds[0], big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(mig_read_record(&rd, &r, &err), -1);
	assert_non_null(strstr(err.msg, "at most 0"));
	assert_int_equal(write(fds[0], unknown, sizeof(unknown)), (ssize_t)sizeof(unknown));
	assert_int_equal(mig_read_record(&rd, &r, &err), -1);
	assert_non_null(strstr(err.msg, "unknown record type 99"));
	close(fds[0]);
	assert_int_equal(mig_read_record(&rd, &r, &err), -1);
	assert_non_null(strstr(err.msg, "closed"));
	fds[0] = dup(fds[1]);	/* for the teardown */
	mig_reader_free(&rd);
}

static void test_uris(void **state)
{
	struct error err = { 0 };
	struct mig_uri u;

	(void)state;
	assert_int_equal(mig_uri_parse("unix:/run/x.sock", &u, &err), 0);
	assert_int_equal(u.kind, MIG_UNIX);
	assert_string_equal(u.path, "/run/x.sock");
	assert_int_equal(mig_uri_parse("tcp:127.0.0.1:4444", &u, &err), 0);
	assert_int_equal(u.kind, MIG_TCP);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "4444");
	assert_int_equal(mig_uri_parse("tcp:[::1]:80", &u, &err), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(mig_uri_parse("tcp:host:0", &u, &err), -1);
	assert_non_null(strstr(err.msg, "1 to 65535"));
	assert_int_equal(mig_uri_parse("tcp:host:80x", &u, &err), -1);
	assert_int_equal(mig_uri_parse("tcp::80", &u, &err), -1);
	assert_int_equal(mig_uri_parse("tcp:host", &u, &err), -1);
	assert_int_equal(mig_uri_parse("unix:", &u, &err), -1);
	assert_int_equal(mig_uri_parse("file:/x", &u, &err), -1);
	assert_non_null(strstr(err.msg, "not a migration address"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
		cmocka_unit_test(test_uris),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
