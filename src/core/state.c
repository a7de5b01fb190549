#include "core/state.h"

#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_writer_init(struct state_writer *w)
{
	*w = (struct state_writer){ 0 };
}

void state_writer_free(struct state_writer *w)
{
	free(w->buf);
	*w = (struct state_writer){ 0 };
}

void state_put(struct state_writer *w, const void *p, size_t n)
{
	if (w->failed || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *b;

		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void state_put_u8(struct state_writer *w, uint8_t v)
{
	state_put(w, &v, 1);
}

void state_put_u16(struct state_writer *w, uint16_t v)
{
	v = htole16(v);
	state_put(w, &v, 2);
}

void state_put_u32(struct state_writer *w, uint32_t v)
{
	v = htole32(v);
	state_put(w, &v, 4);
}

void state_put_u64(struct state_writer *w, uint64_t v)
{
	v = htole64(v);
	state_put(w, &v, 8);
}

void state_put_bool(struct state_writer *w, bool v)
{
	state_put_u8(w, v);
}

void state_put_blob(struct state_writer *w, const void *p, size_t n)
{
	state_put_u32(w, (uint32_t)n);
	state_put(w, p, n);
}

void state_reader_init(struct state_reader *r, const void *buf, size_t len)
{
	*r = (struct state_reader){ .buf = buf, .len = len };
}

int state_get(struct state_reader *r, void *p, size_t n)
{
	if (r->failed || n > r->len - r->off) {
		if (!r->failed)
			state_invalid(r, "truncated after %zu bytes", r->off);
		r->failed = true;
		memset(p, 0, n);
		return -1;
	}
	memcpy(p, r->buf + r->off, n);
	r->off += n;
	return 0;
}

uint8_t state_get_u8(struct state_reader *r)
{
	uint8_t v;

	state_get(r, &v, 1);
	return v;
}

uint16_t state_get_u16(struct state_reader *r)
{
	uint16_t v;

	state_get(r, &v, 2);
	return le16toh(v);
}

uint32_t state_get_u32(struct state_reader *r)
{
	uint32_t v;

	state_get(r, &v, 4);
	return le32toh(v);
}

uint64_t state_get_u64(struct state_reader *r)
{
	uint64_t v;

	state_get(r, &v, 8);
	return le64toh(v);
}

bool state_get_bool(struct state_reader *r)
{
	uint8_t v = state_get_u8(r);

	if (v > 1)
		state_invalid(r, "a boolean of %u at byte %zu", v, r->off - 1);
	return v == 1;
}

int state_get_blob(struct state_reader *r, void *p, size_t n, const char *what)
{
	uint32_t len = state_get_u32(r);

	if (!r->failed && len != n)
		state_invalid(r, "%s is %u bytes, this host has %zu", what, len, n);
	if (r->failed) {
		memset(p, 0, n);
		return -1;
	}
	return state_get(r, p, n);
}

void state_reject(struct state_reader *r)
{
	r->failed = true;
}

void state_invalid(struct state_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->reason[0]) {
		va_start(ap, fmt);
		vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
		va_end(ap);
	}
	r->failed = true;
}

int state_reader_done(const struct state_reader *r)
{
	return r->failed || r->off != r->len ? -1 : 0;
}
