/*
 * A raw disk image file: opened, locked against a second writer and sized.
 * I/O on it goes through disk_io.h.
 */
#ifndef VESSEL_BACKEND_DISK_H
#define VESSEL_BACKEND_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define DISK_SECTOR_SIZE	512

struct disk {
	int fd;			/* through the host page cache: lock, flush, discard, fallback */
	int direct_fd;		/* cache=none: the same file with O_DIRECT, or -1 */
	uint32_t dio_mem_align;	/* what O_DIRECT asks of buffer addresses and lengths */
	uint32_t dio_offset_align;	/* ... and of file offsets */
	const char *path;
	uint64_t size;		/* bytes, a whole number of sectors */
	bool readonly;
};

/*
 * Open @path; with @direct reads and writes bypass the host page cache
 * (O_DIRECT) where their buffers and offsets allow it. On failure one error
 * line names the file and the reason.
 */
int disk_open(struct disk *d, const char *path, bool readonly, bool direct);
/*
 * The same without the lock, for a migration's destination: the source
 * holds it until it hands the VM over; disk_lock then takes it.
 */
int disk_open_unlocked(struct disk *d, const char *path, bool readonly, bool direct);
int disk_lock(struct disk *d);
void disk_unlock(struct disk *d);
void disk_close(struct disk *d);

/* The fd to read or write @len bytes at @off from/to @iov with. */
int disk_rw_fd(const struct disk *d, const struct iovec *iov, unsigned cnt, uint64_t off,
	       uint64_t len);

#endif
