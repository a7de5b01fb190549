/*
 * The live-migration stream (docs/migration.md): versioned, every record
 * checksummed, read by a parser that trusts nothing.
 *
 *   hello    magic "VESSMIG\n", u32 format version   (each side sends one first)
 *   record   u32 type, u32 payload length, payload, u32 CRC-32C of type, length
 *            and payload; all little-endian
 *
 * Source to destination: CONFIG (the machine's configuration, JSON, as a
 * snapshot keeps it), CPU (the host CPU it runs on: vendor, u32 family,
 * model, count, CPUID feature words), then PAGES records (pre-copy rounds, then the pages
 * dirtied last), STATE (the disks' identities and machine_state_save's
 * bytes), END. Destination to source, at the end: ACK (u32 0 and nothing,
 * or u32 errno and a message): the VM runs there, or why it does not.
 *
 * A PAGES payload: u32 count, then per page u64 RAM offset | MIG_PAGE_ZERO
 * (the page is all zero: no bytes follow) and else its 4096 bytes.
 */
#ifndef VESSEL_API_MIGRATE_STREAM_H
#define VESSEL_API_MIGRATE_STREAM_H

#include "core/error.h"
#include "core/state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MIG_MAGIC		"VESSMIG\n"
#define MIG_MAGIC_LEN		8
#define MIG_VERSION		1
#define MIG_HELLO_LEN		12
#define MIG_PAGE_SIZE		4096u
#define MIG_PAGES_MAX		256	/* a PAGES record's pages: 1 MiB of data */
#define MIG_PAGE_ZERO		1ull	/* in a page's offset (offsets are page-aligned) */
#define MIG_RECORD_MAX		(MIG_PAGES_MAX * (MIG_PAGE_SIZE + 8) + 4)
#define MIG_STATE_MAX		(64u << 20)	/* STATE and CONFIG may be larger than pages */

enum mig_record_type {
	MIG_CONFIG = 1,
	MIG_PAGES = 2,
	MIG_STATE = 3,
	MIG_END = 4,
	MIG_ACK = 5,
	MIG_CPU = 6,
};

#define MIG_CPU_MAX	(12 + 3 * 4 + 16 * 4)

/* Where a stream's bytes come from and go: a socket, or a buffer (the fuzz target). */
struct mig_io {
	/* Like read(2)/write(2) on a blocking socket: bytes moved, 0 at EOF, -1. */
	ssize_t (*read)(void *opaque, void *buf, size_t len);
	ssize_t (*write)(void *opaque, const void *buf, size_t len);
	void *opaque;
	uint64_t bytes_out, bytes_in;
};

struct mig_record {
	uint32_t type;
	uint8_t *payload;	/* the reader's buffer, valid until the next read */
	size_t len;
};

struct mig_reader {
	struct mig_io *io;
	uint8_t *buf;
	size_t cap;
};

int mig_send_hello(struct mig_io *io, struct error *err);
/* The peer's hello: -1 naming what came instead (not vessel, another version). */
int mig_recv_hello(struct mig_io *io, struct error *err);

int mig_send_record(struct mig_io *io, uint32_t type, const void *payload, size_t len,
		    struct error *err);

void mig_reader_init(struct mig_reader *r, struct mig_io *io);
void mig_reader_free(struct mig_reader *r);
/* The next record, its checksum and length checked; EOF is an error here ("the peer closed"). */
int mig_read_record(struct mig_reader *r, struct mig_record *rec, struct error *err);

/* A batch of pages for one PAGES record. */
struct mig_pages {
	struct state_writer w;
	uint32_t count;
};

void mig_pages_init(struct mig_pages *p);
void mig_pages_free(struct mig_pages *p);
/* Add the page at @offset of RAM (@page its bytes); a full batch is sent first. */
int mig_pages_add(struct mig_pages *p, struct mig_io *io, uint64_t offset, const uint8_t *page,
		  struct error *err);
/* Send what the batch holds, if anything. */
int mig_pages_flush(struct mig_pages *p, struct mig_io *io, struct error *err);

/* Apply a PAGES payload to RAM of @ram_size bytes at @ram; the pages applied in *@pages. */
int mig_pages_apply(const uint8_t *payload, size_t len, uint8_t *ram, uint64_t ram_size,
		    uint64_t *pages, struct error *err);

bool mig_page_is_zero(const uint8_t *page);

#endif
