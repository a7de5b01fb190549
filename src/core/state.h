/*
 * Device state as bytes: a writer that grows a buffer, a reader that never
 * reads past its end. Values are little-endian; a record's layout is its
 * device's, versioned by the device.
 */
#ifndef VESSEL_CORE_STATE_H
#define VESSEL_CORE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_writer {
	uint8_t *buf;
	size_t len, cap;
	bool failed;		/* out of memory: the whole record is lost */
};

#define STATE_REASON_MAX 120

struct state_reader {
	const uint8_t *buf;
	size_t len, off;
	bool failed;		/* read past the end, or a value out of range */
	char reason[STATE_REASON_MAX];	/* the first value found invalid, or empty */
};

void state_writer_init(struct state_writer *w);
void state_writer_free(struct state_writer *w);
void state_put(struct state_writer *w, const void *p, size_t n);
void state_put_u8(struct state_writer *w, uint8_t v);
void state_put_u16(struct state_writer *w, uint16_t v);
void state_put_u32(struct state_writer *w, uint32_t v);
void state_put_u64(struct state_writer *w, uint64_t v);
void state_put_bool(struct state_writer *w, bool v);
/* @n bytes after their length: a structure laid out as this host lays it out. */
void state_put_blob(struct state_writer *w, const void *p, size_t n);

void state_reader_init(struct state_reader *r, const void *buf, size_t len);
/* Each returns 0, or -1 (and marks the reader failed) past the end. */
int state_get(struct state_reader *r, void *p, size_t n);
uint8_t state_get_u8(struct state_reader *r);
uint16_t state_get_u16(struct state_reader *r);
uint32_t state_get_u32(struct state_reader *r);
uint64_t state_get_u64(struct state_reader *r);
bool state_get_bool(struct state_reader *r);
/* A blob of exactly @n bytes; of another length, the reader fails naming @what. */
int state_get_blob(struct state_reader *r, void *p, size_t n, const char *what);
/* A value the reader's owner found invalid: the record is rejected. */
void state_reject(struct state_reader *r);
/* The same, saying which value and why (the first reason given is kept). */
void state_invalid(struct state_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 0 if every byte was read and nothing failed. */
int state_reader_done(const struct state_reader *r);

#endif
