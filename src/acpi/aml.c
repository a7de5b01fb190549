#include "acpi/aml.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define AML_ZERO_OP	0x00
#define AML_ONE_OP	0x01
#define AML_NAME_OP	0x08
#define AML_BYTE_PREFIX	0x0a
#define AML_WORD_PREFIX	0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP	0x10
#define AML_BUFFER_OP	0x11
#define AML_PACKAGE_OP	0x12
#define AML_METHOD_OP	0x14
#define AML_LOCAL0_OP	0x60
#define AML_STORE_OP	0x70
#define AML_AND_OP	0x7b
#define AML_NOTIFY_OP	0x86
#define AML_IF_OP	0xa0
#define AML_OPREGION_OP	0x80	/* after AML_EXT_PREFIX */
#define AML_FIELD_OP	0x81	/* after AML_EXT_PREFIX */
#define AML_DUAL_NAME	0x2e
#define AML_MULTI_NAME	0x2f
#define AML_EXT_PREFIX	0x5b
#define AML_DEVICE_OP	0x82
#define AML_ROOT_CHAR	'\\'
#define AML_PARENT_CHAR	'^'
#define AML_RETURN_OP	0xa4
#define AML_ONES_OP	0xff

/* Open terms whose content starts with a BufferSize (a buffer's byte count). */
#define OPEN_BUFFER_FLAG ((size_t)1 << (sizeof(size_t) * 8 - 1))

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

static void reserve(struct aml *a, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (a->error || a->len + n <= a->cap)
		return;
	cap = a->cap ? a->cap : 256;
	while (cap < a->len + n)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		a->error = 1;
		return;
	}
	a->buf = p;
	a->cap = cap;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	reserve(a, n);
	if (a->error)
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t v, unsigned n)
{
	while (n--) {
		byte(a, (uint8_t)v);
		v >>= 8;
	}
}

/* NameSeg: four characters, short names padded with '_' (20.2.2). */
static void name_seg(struct aml *a, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < 4; i++)
		byte(a, i < n ? (uint8_t)s[i] : '_');
}

static void name_string(struct aml *a, const char *name)
{
	const char *segs[8];
	size_t lens[8];
	unsigned n = 0, i;
	const char *p;

	while (*name == AML_ROOT_CHAR || *name == AML_PARENT_CHAR)
		byte(a, (uint8_t)*name++);
	for (p = name; *p && n < 8;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || len > 4) {
			a->error = 1;
			return;
		}
		segs[n] = p;
		lens[n++] = len;
		p += len + (dot ? 1 : 0);
	}
	if (n == 0) {
		byte(a, 0);	/* NullName */
		return;
	}
	if (n == 2)
		byte(a, AML_DUAL_NAME);
	else if (n > 2) {
		byte(a, AML_MULTI_NAME);
		byte(a, (uint8_t)n);
	}
	for (i = 0; i < n; i++)
		name_seg(a, segs[i], lens[i]);
}

void aml_name(struct aml *a, const char *name)
{
	byte(a, AML_NAME_OP);
	name_string(a, name);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		byte(a, AML_ZERO_OP);
	} else if (v == 1) {
		byte(a, AML_ONE_OP);
	} else if (v == UINT64_MAX) {
		byte(a, AML_ONES_OP);
	} else if (v <= 0xff) {
		byte(a, AML_BYTE_PREFIX);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		byte(a, AML_WORD_PREFIX);
		le(a, v, 2);
	} else if (v <= 0xffffffffu) {
		byte(a, AML_DWORD_PREFIX);
		le(a, v, 4);
	} else {
		byte(a, AML_QWORD_PREFIX);
		le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

/* EISA id: three letters in 5 bits each, four hex digits; stored big-endian. */
void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;
	unsigned i;

	if (strlen(id) != 7) {
		a->error = 1;
		return;
	}
	v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
	    ((uint32_t)(id[2] - 0x40) << 16);
	for (i = 3; i < 7; i++) {
		char c = (char)toupper((unsigned char)id[i]);

		v |= (uint32_t)(isdigit((unsigned char)c) ? c - '0' : c - 'A' + 10) << (4 * (6 - i));
	}
	byte(a, AML_DWORD_PREFIX);
	le(a, __builtin_bswap32(v), 4);
}

static void open_term(struct aml *a, size_t flags)
{
	if (a->depth >= AML_MAX_DEPTH) {
		a->error = 1;
		return;
	}
	a->open[a->depth++] = a->len | flags;
}

void aml_scope(struct aml *a, const char *name)
{
	byte(a, AML_SCOPE_OP);
	open_term(a, 0);
	name_string(a, name);
}

void aml_device(struct aml *a, const char *name)
{
	byte(a, AML_EXT_PREFIX);
	byte(a, AML_DEVICE_OP);
	open_term(a, 0);
	name_string(a, name);
}

void aml_package(struct aml *a, unsigned nr_elements)
{
	byte(a, AML_PACKAGE_OP);
	open_term(a, 0);
	byte(a, (uint8_t)nr_elements);
}

void aml_method(struct aml *a, const char *name, unsigned nr_args)
{
	byte(a, AML_METHOD_OP);
	open_term(a, 0);
	name_string(a, name);
	byte(a, (uint8_t)(nr_args & 7));	/* not serialized, sync level 0 */
}

void aml_return(struct aml *a)
{
	byte(a, AML_RETURN_OP);
}

void aml_name_ref(struct aml *a, const char *name)
{
	name_string(a, name);
}

void aml_local(struct aml *a, unsigned n)
{
	byte(a, (uint8_t)(AML_LOCAL0_OP + (n & 7)));
}

void aml_store(struct aml *a)
{
	byte(a, AML_STORE_OP);
}

void aml_and(struct aml *a)
{
	byte(a, AML_AND_OP);
}

void aml_if(struct aml *a)
{
	byte(a, AML_IF_OP);
	open_term(a, 0);
}

void aml_notify(struct aml *a, const char *name, uint8_t value)
{
	byte(a, AML_NOTIFY_OP);
	name_string(a, name);
	aml_integer(a, value);
}

/* OperationRegion (20.2.5.2): SystemIO is region space 1. */
void aml_opregion_io(struct aml *a, const char *name, uint16_t port, uint8_t len)
{
	byte(a, AML_EXT_PREFIX);
	byte(a, AML_OPREGION_OP);
	name_string(a, name);
	byte(a, 0x01);
	aml_integer(a, port);
	aml_integer(a, len);
}

/* Field (20.2.5.2): ByteAcc, NoLock, Preserve; @bits of each NameSeg in turn. */
void aml_field_bytes(struct aml *a, const char *region, const char *const *names,
		     const uint8_t *bits, unsigned n)
{
	unsigned i;

	byte(a, AML_EXT_PREFIX);
	byte(a, AML_FIELD_OP);
	open_term(a, 0);
	name_string(a, region);
	byte(a, 0x01);
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) != 4 || bits[i] >= 0x40) {
			a->error = 1;
			return;
		}
		name_seg(a, names[i], 4);
		byte(a, bits[i]);	/* a one-byte PkgLength: the field's width in bits */
	}
	aml_close(a);
}

void aml_buffer(struct aml *a)
{
	byte(a, AML_BUFFER_OP);
	open_term(a, OPEN_BUFFER_FLAG);
}

/* PkgLength (20.2.4): counts itself; 1 byte below 64, else 2 to 4 bytes. */
static unsigned pkg_length(size_t body, uint8_t out[4])
{
	size_t total;
	unsigned n, i;

	for (n = 1; n <= 4; n++) {
		total = body + n;
		if (n == 1 && total < 0x40) {
			out[0] = (uint8_t)total;
			return 1;
		}
		if (n > 1 && total < ((size_t)1 << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4)
		return n;
	out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
	for (i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

void aml_close(struct aml *a)
{
	uint8_t pl[4], size[9];
	size_t start, body, extra = 0;
	unsigned n;
	int is_buffer;

	if (a->error || a->depth == 0) {
		a->error = 1;
		return;
	}
	start = a->open[--a->depth];
	is_buffer = (start & OPEN_BUFFER_FLAG) != 0;
	start &= ~OPEN_BUFFER_FLAG;
	body = a->len - start;
	if (is_buffer) {
		/* BufferSize is an integer term in front of the bytes. */
		struct aml tmp;

		aml_init(&tmp);
		aml_integer(&tmp, body);
		if (tmp.error || tmp.len > sizeof(size)) {
			aml_free(&tmp);
			a->error = 1;
			return;
		}
		memcpy(size, tmp.buf, tmp.len);
		extra = tmp.len;
		aml_free(&tmp);
	}
	n = pkg_length(body + extra, pl);
	if (n > 4) {
		a->error = 1;
		return;
	}
	reserve(a, n + extra);
	if (a->error)
		return;
	memmove(a->buf + start + n + extra, a->buf + start, body);
	memcpy(a->buf + start, pl, n);
	memcpy(a->buf + start + n, size, extra);
	a->len += n + extra;
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* I/O port descriptor, 16-bit decode (6.4.2.5). */
	uint8_t d[8] = { 0x47, 0x01, (uint8_t)base, (uint8_t)(base >> 8),
			 (uint8_t)base, (uint8_t)(base >> 8), 0x01, len };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq(struct aml *a, unsigned irq)
{
	/* IRQ descriptor without flags: edge, active high (6.4.2.1). */
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	uint8_t d[3] = { 0x22, (uint8_t)mask, (uint8_t)(mask >> 8) };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_interrupt(struct aml *a, unsigned gsi, bool level, bool active_low)
{
	/* Extended interrupt descriptor, consumer, exclusive, one GSI (6.4.3.6). */
	uint8_t d[9] = { 0x89, 6, 0, 0x01, 1 };

	d[3] |= (uint8_t)((level ? 0 : 0x02) | (active_low ? 0x04 : 0));
	memcpy(d + 5, &gsi, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len)
{
	/* 32-bit fixed memory range descriptor, read/write (6.4.3.4). */
	uint8_t d[12] = { 0x86, 9, 0, 1 };

	memcpy(d + 4, &base, 4);
	memcpy(d + 8, &len, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_end(struct aml *a)
{
	/* End tag; a zero checksum means "treat as correct" (6.4.2.9). */
	uint8_t d[2] = { 0x79, 0 };

	aml_bytes(a, d, sizeof(d));
}

/* Address space descriptors (ACPI 6.4, 6.4.3.5): a producer with fixed min and max. */
#define ADDR_SPACE_MEMORY	0
#define ADDR_SPACE_IO		1
#define ADDR_SPACE_BUS		2
#define ADDR_PRODUCER_FIXED	0x0c	/* _MIF and _MAF set, producer, positive decode */
#define ADDR_MEM_RW		0x01
#define ADDR_IO_ENTIRE_RANGE	0x03

static void address_space(struct aml *a, uint8_t tag, uint8_t type, uint8_t type_flags,
			  uint64_t min, uint64_t max, unsigned width)
{
	uint8_t hdr[6] = { tag, 0, 0, type, ADDR_PRODUCER_FIXED, type_flags };
	uint16_t len = (uint16_t)(3 + 5 * width);	/* after the 3-byte header */

	hdr[1] = (uint8_t)len;
	hdr[2] = (uint8_t)(len >> 8);
	aml_bytes(a, hdr, sizeof(hdr));
	le(a, 0, width);			/* granularity */
	le(a, min, width);
	le(a, max, width);
	le(a, 0, width);			/* translation offset */
	le(a, max - min + 1, width);		/* length */
}

void aml_res_bus_numbers(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, 0x88, ADDR_SPACE_BUS, 0, min, max, 2);
}

void aml_res_io_window(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, 0x88, ADDR_SPACE_IO, ADDR_IO_ENTIRE_RANGE, min, max, 2);
}

void aml_res_mem32_window(struct aml *a, uint32_t min, uint32_t max)
{
	address_space(a, 0x87, ADDR_SPACE_MEMORY, ADDR_MEM_RW, min, max, 4);
}

void aml_res_mem64_window(struct aml *a, uint64_t min, uint64_t max)
{
	address_space(a, 0x8a, ADDR_SPACE_MEMORY, ADDR_MEM_RW, min, max, 8);
}

void aml_fixed_device(struct aml *a, const char *name, const char *hid, int uid,
		      const struct aml_io_range *io, unsigned nr_io, int irq)
{
	unsigned i;

	aml_device(a, name);
	aml_name(a, "_HID");
	if (strlen(hid) == 7)
		aml_eisaid(a, hid);
	else
		aml_string(a, hid);
	if (uid >= 0) {
		aml_name(a, "_UID");
		aml_integer(a, (uint64_t)uid);
	}
	aml_name(a, "_CRS");
	aml_buffer(a);
	for (i = 0; i < nr_io; i++)
		aml_res_io(a, io[i].base, io[i].len);
	if (irq >= 0)
		aml_res_irq(a, (unsigned)irq);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}
