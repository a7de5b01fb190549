#include "api/snapshot_file.h"
#include "core/crc32c.h"

#include <errno.h>
#include <string.h>

static void put_cpu(struct state_writer *w, const struct snapshot_cpu *c)
{
	unsigned i;

	state_put(w, c->vendor, 12);
	state_put_u32(w, c->family);
	state_put_u32(w, c->model);
	/* The count as given, the words there are: a count past them is the parser's to refuse. */
	state_put_u32(w, c->nr_features);
	for (i = 0; i < c->nr_features && i < SNAPSHOT_CPU_WORDS_MAX; i++)
		state_put_u32(w, c->features[i]);
}

static void put_disk(struct state_writer *w, const struct snapshot_disk *d)
{
	size_t n = strnlen(d->path, sizeof(d->path) - 1);

	state_put_u16(w, (uint16_t)n);
	state_put(w, d->path, n);
	state_put_u64(w, d->size);
	state_put_u64(w, d->mtime_ns);
	state_put_u32(w, d->head_crc);
	state_put_u32(w, d->tail_crc);
}

static void put_payload(const struct snapshot_info *s, struct state_writer *w)
{
	size_t parent = strnlen(s->parent, sizeof(s->parent) - 1);
	unsigned i;

	state_put_u8(w, (uint8_t)s->type);
	put_cpu(w, &s->cpu);
	state_put_u32(w, (uint32_t)s->config_len);
	state_put(w, s->config, s->config_len);
	state_put_u32(w, s->nr_disks);
	for (i = 0; i < s->nr_disks; i++)
		put_disk(w, &s->disks[i]);
	state_put_u16(w, (uint16_t)parent);
	state_put(w, s->parent, parent);
	state_put_u64(w, s->ram_size);
	state_put_u64(w, s->bitmap_len);
	state_put(w, s->bitmap, s->bitmap_len);
	state_put_u64(w, s->state_len);
	state_put(w, s->state, s->state_len);
}

void snapshot_file_build(const struct snapshot_info *s, struct state_writer *w)
{
	struct state_writer payload;

	state_writer_init(&payload);
	put_payload(s, &payload);
	state_put(w, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN);
	state_put_u32(w, SNAPSHOT_FORMAT_VERSION);
	state_put_u32(w, crc32c(0, payload.buf, payload.len));
	state_put_u64(w, payload.len);
	state_put(w, payload.buf, payload.len);
	w->failed |= payload.failed;
	state_writer_free(&payload);
}

/* @n bytes of the payload in place, or NULL past its end. */
static const uint8_t *get_span(struct state_reader *r, uint64_t n)
{
	const uint8_t *p;

	if (r->failed || n > r->len - r->off) {
		state_reject(r);
		return NULL;
	}
	p = r->buf + r->off;
	r->off += (size_t)n;
	return p;
}

static int get_string(struct state_reader *r, char *out, size_t cap, const char *what,
		      struct error *err)
{
	uint16_t n = state_get_u16(r);
	const uint8_t *p;

	if (r->failed || n >= cap)
		return error_set(err, EINVAL, "snapshot state: %s is %u bytes long", what, n);
	p = get_span(r, n);
	if (!p)
		return error_set(err, EINVAL, "snapshot state: %s is cut short", what);
	if (memchr(p, '\0', n))
		return error_set(err, EINVAL, "snapshot state: %s holds a NUL byte", what);
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int get_cpu(struct state_reader *r, struct snapshot_cpu *c, struct error *err)
{
	unsigned i;

	memset(c, 0, sizeof(*c));
	state_get(r, c->vendor, 12);
	c->family = state_get_u32(r);
	c->model = state_get_u32(r);
	c->nr_features = state_get_u32(r);
	if (r->failed || c->nr_features > SNAPSHOT_CPU_WORDS_MAX)
		return error_set(err, EINVAL, "snapshot state: the CPU's identity is malformed");
	for (i = 0; i < c->nr_features; i++)
		c->features[i] = state_get_u32(r);
	if (r->failed || memchr(c->vendor, '\0', 12))
		return error_set(err, EINVAL, "snapshot state: the CPU's identity is malformed");
	return 0;
}

static int get_disks(struct state_reader *r, struct snapshot_info *s, struct error *err)
{
	unsigned i;

	s->nr_disks = state_get_u32(r);
	if (r->failed || s->nr_disks > SNAPSHOT_MAX_DISKS)
		return error_set(err, EINVAL, "snapshot state: %u disks", s->nr_disks);
	for (i = 0; i < s->nr_disks; i++) {
		struct snapshot_disk *d = &s->disks[i];

		if (get_string(r, d->path, sizeof(d->path), "a disk's path", err))
			return -1;
		d->size = state_get_u64(r);
		d->mtime_ns = state_get_u64(r);
		d->head_crc = state_get_u32(r);
		d->tail_crc = state_get_u32(r);
	}
	return r->failed ? error_set(err, EINVAL, "snapshot state: the disks are cut short") : 0;
}

static int get_memory(struct state_reader *r, struct snapshot_info *s, struct error *err)
{
	uint64_t pages;

	s->ram_size = state_get_u64(r);
	s->bitmap_len = (size_t)state_get_u64(r);
	if (r->failed || !s->ram_size || s->ram_size % SNAPSHOT_PAGE_SIZE)
		return error_set(err, EINVAL, "snapshot state: RAM of %llu bytes",
				 (unsigned long long)s->ram_size);
	pages = s->ram_size / SNAPSHOT_PAGE_SIZE;
	if (s->bitmap_len != (s->type == SNAPSHOT_DIFF ? (pages + 7) / 8 : 0))
		return error_set(err, EINVAL, "snapshot state: a page bitmap of %zu bytes for "
				 "%llu pages", s->bitmap_len, (unsigned long long)pages);
	s->bitmap = get_span(r, s->bitmap_len);
	if (!s->bitmap)
		return error_set(err, EINVAL, "snapshot state: the page bitmap is cut short");
	return 0;
}

static int get_payload(struct state_reader *r, struct snapshot_info *s, struct error *err)
{
	uint64_t n;

	s->type = state_get_u8(r);
	if (s->type != SNAPSHOT_FULL && s->type != SNAPSHOT_DIFF)
		return error_set(err, EINVAL, "snapshot state: unknown snapshot type %u", s->type);
	if (get_cpu(r, &s->cpu, err))
		return -1;
	s->config_len = state_get_u32(r);
	s->config = (const char *)get_span(r, s->config_len);
	if (!s->config)
		return error_set(err, EINVAL, "snapshot state: the configuration is cut short");
	if (get_disks(r, s, err) ||
	    get_string(r, s->parent, sizeof(s->parent), "the parent's path", err))
		return -1;
	if ((s->type == SNAPSHOT_DIFF) != !!s->parent[0])
		return error_set(err, EINVAL, "snapshot state: a %s snapshot %s a parent",
				 s->type == SNAPSHOT_DIFF ? "diff" : "full",
				 s->parent[0] ? "with" : "without");
	if (get_memory(r, s, err))
		return -1;
	n = state_get_u64(r);
	s->state_len = (size_t)n;
	s->state = get_span(r, n);
	if (!s->state)
		return error_set(err, EINVAL, "snapshot state: the machine's state is cut short");
	if (state_reader_done(r))
		return error_set(err, EINVAL, "snapshot state: bytes after the machine's state");
	return 0;
}

int snapshot_file_parse(const uint8_t *buf, size_t len, struct snapshot_info *s,
			struct error *err)
{
	struct state_reader r;
	uint32_t version, crc;
	uint64_t plen;

	memset(s, 0, sizeof(*s));
	if (len < SNAPSHOT_HEADER_LEN || memcmp(buf, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN))
		return error_set(err, EINVAL, "not a vessel snapshot (no state file header)");
	state_reader_init(&r, buf + SNAPSHOT_MAGIC_LEN, SNAPSHOT_HEADER_LEN - SNAPSHOT_MAGIC_LEN);
	version = state_get_u32(&r);
	crc = state_get_u32(&r);
	plen = state_get_u64(&r);
	if (version != SNAPSHOT_FORMAT_VERSION)
		return error_set(err, EPROTO, "snapshot format version %u; this vessel reads "
				 "version %u", version, SNAPSHOT_FORMAT_VERSION);
	if (plen > len - SNAPSHOT_HEADER_LEN)
		return error_set(err, EINVAL, "the state file is truncated: %zu bytes of %llu",
				 len, (unsigned long long)(plen + SNAPSHOT_HEADER_LEN));
	if (plen < len - SNAPSHOT_HEADER_LEN)
		return error_set(err, EINVAL, "the state file has %llu bytes after its end",
				 (unsigned long long)(len - SNAPSHOT_HEADER_LEN - plen));
	if (crc32c(0, buf + SNAPSHOT_HEADER_LEN, (size_t)plen) != crc)
		return error_set(err, EBADMSG, "the state file is corrupt (its checksum does "
				 "not match)");
	state_reader_init(&r, buf + SNAPSHOT_HEADER_LEN, (size_t)plen);
	return get_payload(&r, s, err);
}
