/*
 * libFuzzer target: a migration stream is untrusted (any peer may connect
 * to --incoming). The input is the stream after the source's hello: records
 * are read as the destination reads them, and every PAGES record applied to
 * a small RAM. A record must be refused (bad length, type, checksum, a page
 * outside RAM), never read or written past a buffer.
 */
#include "api/migrate_stream.h"

#include <stdlib.h>
#include <string.h>

#define RAM_SIZE (64 * MIG_PAGE_SIZE)

struct buf_src {
	const uint8_t *p;
	size_t len, off;
};

static uint8_t ram[RAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssize_t buf_read(void *opaque, void *out, size_t len)
{
	struct buf_src *b = opaque;
	size_t n = b->len - b->off < len ? b->len - b->off : len;

	/* Short reads, as a socket gives them: the reader must loop. */
	if (n > 1000)
		n = 1000;
	memcpy(out, b->p + b->off, n);
	b->off += n;
	return (ssize_t)n;
}

static ssize_t no_write(void *opaque, const void *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	(void)len;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf_src b = { data, size, 0 };
	struct mig_io io = { buf_read, no_write, &b, 0, 0 };
	struct mig_reader rd;
	struct mig_record rec;
	struct error err = { 0 };
	uint64_t pages = 0;
	unsigned n = 0;

	mig_reader_init(&rd, &io);
	while (n++ < 64 && !mig_read_record(&rd, &rec, &err)) {
		if (rec.len > MIG_STATE_MAX || io.bytes_in > size)
			abort();
		if (rec.type == MIG_PAGES &&
		    !mig_pages_apply(rec.payload, rec.len, ram, RAM_SIZE, &pages, &err) &&
		    pages > 64ull * MIG_PAGES_MAX)
			abort();
	}
	if (!err.msg[0] && n <= 64)
		abort();	/* a failed read always says why */
	mig_reader_free(&rd);
	return 0;
}
