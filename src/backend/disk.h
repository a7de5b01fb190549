/*
 * A raw disk image file: opened, locked against a second writer and sized.
 * I/O on it goes through disk_io.h.
 */
#ifndef VESSEL_BACKEND_DISK_H
#define VESSEL_BACKEND_DISK_H

#include <stdbool.h>
#include <stdint.h>

#define DISK_SECTOR_SIZE	512

struct disk {
	int fd;
	const char *path;
	uint64_t size;		/* bytes, a whole number of sectors */
	bool readonly;
};

/* Open @path; on failure one error line names the file and the reason. */
int disk_open(struct disk *d, const char *path, bool readonly);
void disk_close(struct disk *d);

#endif
