/*
 * A snapshot directory's state file (DIR/state): what the snapshot is, where
 * it may be restored, and the machine's state. Layout (little-endian):
 *
 *   header   magic "VESSNAP\n", u32 format version, u32 CRC-32C of the
 *            payload, u64 payload length
 *   payload  u8 type (full, diff)
 *            the host CPU: vendor (12 bytes), u32 family, model, then
 *              u32 count and that many CPUID feature words the guest was given
 *            u32 length, the machine's configuration as JSON
 *            u32 disks, each: u16 length, path, u64 size, u64 mtime (ns),
 *              u32 CRC-32C of the first MiB and of the last MiB
 *            u16 length, the parent snapshot's directory (a diff; else empty)
 *            u64 RAM bytes, u64 bitmap bytes, the bitmap (a diff: one bit a
 *              4 KiB page of DIR/memory that this layer holds; a full: none)
 *            u64 length, machine_state_save's bytes
 *
 * The parser trusts nothing in it: every length is checked against what is
 * left, the checksum against the payload, and the reader caps the file's
 * size (SNAPSHOT_STATE_MAX) before it reads.
 */
#ifndef VESSEL_API_SNAPSHOT_FILE_H
#define VESSEL_API_SNAPSHOT_FILE_H

#include "core/error.h"
#include "core/state.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAPSHOT_MAGIC		"VESSNAP\n"
#define SNAPSHOT_MAGIC_LEN	8
#define SNAPSHOT_FORMAT_VERSION	1
#define SNAPSHOT_HEADER_LEN	24
#define SNAPSHOT_STATE_MAX	(64u << 20)
#define SNAPSHOT_CPU_WORDS_MAX	16
#define SNAPSHOT_MAX_DISKS	8
#define SNAPSHOT_PAGE_SIZE	4096u
/* How much of each end of a disk image its identity covers. */
#define SNAPSHOT_DISK_SAMPLE	(1u << 20)

enum snapshot_type { SNAPSHOT_FULL = 1, SNAPSHOT_DIFF = 2 };

struct snapshot_cpu {
	char vendor[13];
	uint32_t family, model;
	uint32_t features[SNAPSHOT_CPU_WORDS_MAX];
	unsigned nr_features;
};

/* Enough to tell "not the image the snapshot was taken with", cheaply. */
struct snapshot_disk {
	char path[PATH_MAX];
	uint64_t size;
	uint64_t mtime_ns;
	uint32_t head_crc, tail_crc;
};

struct snapshot_info {
	enum snapshot_type type;
	struct snapshot_cpu cpu;
	const char *config;		/* JSON, not NUL-terminated */
	size_t config_len;
	struct snapshot_disk disks[SNAPSHOT_MAX_DISKS];
	unsigned nr_disks;
	char parent[PATH_MAX];		/* "" for a full snapshot */
	uint64_t ram_size;
	const uint8_t *bitmap;		/* a diff's pages; bit i of byte i/8 is page i */
	size_t bitmap_len;
	const uint8_t *state;
	size_t state_len;
};

/* Header and payload into @w (freshly initialized). */
void snapshot_file_build(const struct snapshot_info *s, struct state_writer *w);
/* Parse @buf; @s's pointers point into it. -1 with @err naming what is wrong. */
int snapshot_file_parse(const uint8_t *buf, size_t len, struct snapshot_info *s,
			struct error *err);

static inline bool snapshot_page_set(const uint8_t *bitmap, uint64_t page)
{
	return bitmap[page / 8] & (1u << (page % 8));
}

#endif
