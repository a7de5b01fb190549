#include "api/migrate_stream.h"
#include "core/crc32c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_HEAD	8
#define RECORD_TAIL	4

static int write_all(struct mig_io *io, const void *buf, size_t len, struct error *err)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = io->write(io->opaque, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EPIPE, "the stream broke: %s",
					 n < 0 ? strerror(errno) : "the peer closed it");
		p += n;
		len -= (size_t)n;
		io->bytes_out += (uint64_t)n;
	}
	return 0;
}

/* 0, or -1: EOF before @len bytes (*@got says how many came), or an error. */
static int read_all(struct mig_io *io, void *buf, size_t len, size_t *got, struct error *err)
{
	uint8_t *p = buf;

	*got = 0;
	while (*got < len) {
		ssize_t n = io->read(io->opaque, p + *got, len - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "the stream broke: %s", strerror(errno));
		if (n == 0)
			return error_set(err, EPIPE, "the peer closed the stream");
		*got += (size_t)n;
		io->bytes_in += (uint64_t)n;
	}
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mig_send_hello(struct mig_io *io, struct error *err)
{
	uint8_t h[MIG_HELLO_LEN];

	memcpy(h, MIG_MAGIC, MIG_MAGIC_LEN);
	put_le32(h + MIG_MAGIC_LEN, MIG_VERSION);
	return write_all(io, h, sizeof(h), err);
}

int mig_recv_hello(struct mig_io *io, struct error *err)
{
	uint8_t h[MIG_HELLO_LEN];
	size_t got;
	uint32_t v;

	if (read_all(io, h, sizeof(h), &got, err))
		return got ? error_set(err, EPROTO, "the peer is not vessel (it sent %zu bytes "
				       "that are not a migration stream)", got) : -1;
	if (memcmp(h, MIG_MAGIC, MIG_MAGIC_LEN))
		return error_set(err, EPROTO, "the peer is not vessel: no migration stream's magic");
	v = get_le32(h + MIG_MAGIC_LEN);
	if (v != MIG_VERSION)
		return error_set(err, EPROTO, "the peer speaks migration format %u, this vessel %u",
				 v, MIG_VERSION);
	return 0;
}

int mig_send_record(struct mig_io *io, uint32_t type, const void *payload, size_t len,
		    struct error *err)
{
	uint8_t head[RECORD_HEAD], tail[RECORD_TAIL];
	uint32_t crc;

	if (len > MIG_STATE_MAX)
		return error_set(err, EFBIG, "a migration record of %zu bytes is too large", len);
	put_le32(head, type);
	put_le32(head + 4, (uint32_t)len);
	crc = crc32c(crc32c(0, head, sizeof(head)), payload, len);
	put_le32(tail, crc);
	if (write_all(io, head, sizeof(head), err) || write_all(io, payload, len, err))
		return -1;
	return write_all(io, tail, sizeof(tail), err);
}

void mig_reader_init(struct mig_reader *r, struct mig_io *io)
{
	*r = (struct mig_reader){ .io = io };
}

void mig_reader_free(struct mig_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

/* Records other than pages are rare and may be large; pages are capped at one batch. */
static size_t type_max(uint32_t type)
{
	switch (type) {
	case MIG_PAGES:
		return MIG_RECORD_MAX;
	case MIG_CONFIG:
	case MIG_STATE:
		return MIG_STATE_MAX;
	case MIG_END:
		return 0;
	case MIG_ACK:
		return 4 + 512;
	case MIG_CPU:
		return MIG_CPU_MAX;
	default:
		return SIZE_MAX;
	}
}

int mig_read_record(struct mig_reader *r, struct mig_record *rec, struct error *err)
{
	uint8_t head[RECORD_HEAD], tail[RECORD_TAIL];
	uint32_t type, crc;
	size_t len, got, max;

	if (read_all(r->io, head, sizeof(head), &got, err))
		return -1;
	type = get_le32(head);
	len = get_le32(head + 4);
	max = type_max(type);
	if (max == SIZE_MAX)
		return error_set(err, EPROTO, "migration stream: unknown record type %u", type);
	if (len > max)
		return error_set(err, EPROTO, "migration stream: a record of type %u with %zu "
				 "bytes (at most %zu)", type, len, max);
	if (len + 1 > r->cap) {
		uint8_t *p = realloc(r->buf, len + 1);

		if (!p)
			return error_set(err, ENOMEM, "out of memory");
		r->buf = p;
		r->cap = len + 1;
	}
	if (read_all(r->io, r->buf, len, &got, err) ||
	    read_all(r->io, tail, sizeof(tail), &got, err))
		return -1;
	crc = crc32c(crc32c(0, head, sizeof(head)), r->buf, len);
	if (crc != get_le32(tail))
		return error_set(err, EPROTO, "migration stream: a record of type %u fails its "
				 "checksum", type);
	r->buf[len] = 0;
	rec->type = type;
	rec->payload = r->buf;
	rec->len = len;
	return 0;
}

bool mig_page_is_zero(const uint8_t *page)
{
	uint64_t w[MIG_PAGE_SIZE / 8];
	uint64_t acc = 0;
	unsigned i;

	memcpy(w, page, sizeof(w));
	for (i = 0; i < MIG_PAGE_SIZE / 8; i++)
		acc |= w[i];
	return acc == 0;
}

void mig_pages_init(struct mig_pages *p)
{
	state_writer_init(&p->w);
	state_put_u32(&p->w, 0);
	p->count = 0;
}

void mig_pages_free(struct mig_pages *p)
{
	state_writer_free(&p->w);
}

int mig_pages_flush(struct mig_pages *p, struct mig_io *io, struct error *err)
{
	int r;

	if (!p->count)
		return 0;
	if (p->w.failed)
		return error_set(err, ENOMEM, "out of memory");
	put_le32(p->w.buf, p->count);
	r = mig_send_record(io, MIG_PAGES, p->w.buf, p->w.len, err);
	p->w.len = 4;
	p->count = 0;
	return r;
}

int mig_pages_add(struct mig_pages *p, struct mig_io *io, uint64_t offset, const uint8_t *page,
		  struct error *err)
{
	bool zero = mig_page_is_zero(page);

	if (p->count == MIG_PAGES_MAX && mig_pages_flush(p, io, err))
		return -1;
	state_put_u64(&p->w, offset | (zero ? MIG_PAGE_ZERO : 0));
	if (!zero)
		state_put(&p->w, page, MIG_PAGE_SIZE);
	p->count++;
	return 0;
}

int mig_pages_apply(const uint8_t *payload, size_t len, uint8_t *ram, uint64_t ram_size,
		    uint64_t *pages, struct error *err)
{
	struct state_reader r;
	uint32_t count, i;

	state_reader_init(&r, payload, len);
	count = state_get_u32(&r);
	if (r.failed || count > MIG_PAGES_MAX)
		return error_set(err, EPROTO, "migration stream: a page batch of %u pages", count);
	for (i = 0; i < count; i++) {
		uint64_t v = state_get_u64(&r), off = v & ~(uint64_t)(MIG_PAGE_SIZE - 1);

		if (r.failed || (v & (MIG_PAGE_SIZE - 1) & ~MIG_PAGE_ZERO) ||
		    off >= ram_size || ram_size - off < MIG_PAGE_SIZE)
			return error_set(err, EPROTO, "migration stream: page %u of a batch is "
					 "outside RAM or malformed", i);
		if (v & MIG_PAGE_ZERO)
			memset(ram + off, 0, MIG_PAGE_SIZE);
		else if (state_get(&r, ram + off, MIG_PAGE_SIZE))
			return error_set(err, EPROTO, "migration stream: page %u of a batch is "
					 "cut short", i);
	}
	if (state_reader_done(&r))
		return error_set(err, EPROTO, "migration stream: bytes after a page batch");
	*pages += count;
	return 0;
}
