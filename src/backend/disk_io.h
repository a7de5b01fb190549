/*
 * Asynchronous I/O on a disk image for one device queue: io_uring when the
 * host offers it, plain synchronous calls otherwise. The caller keeps each
 * request alive until its completion runs.
 */
#ifndef VESSEL_BACKEND_DISK_IO_H
#define VESSEL_BACKEND_DISK_IO_H

#include "backend/disk.h"

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum disk_op { DISK_READ, DISK_WRITE, DISK_FLUSH, DISK_DISCARD, DISK_WRITE_ZEROES };

struct disk_request {
	enum disk_op op;
	uint64_t offset;	/* bytes */
	uint64_t len;		/* bytes: the iovecs' total, or the range to discard/zero */
	struct iovec *iov;
	unsigned iovcnt;
};

struct disk_io {
	struct disk *disk;
	bool uring;
	struct io_uring ring;
	int efd;		/* the ring signals completions here */
	unsigned queued;	/* prepared, not yet submitted */
	unsigned inflight;	/* handed to the ring, not yet reaped */
	/* @res: bytes done, or -errno */
	void (*complete)(void *opaque, struct disk_request *r, int res);
	void *opaque;
};

/* @depth: the most requests in flight at once. */
int disk_io_init(struct disk_io *io, struct disk *d, unsigned depth, bool use_uring,
		 void (*complete)(void *opaque, struct disk_request *r, int res), void *opaque);
void disk_io_destroy(struct disk_io *io);

/* Start @r; without io_uring it is done, and complete() has run, on return. */
void disk_io_submit(struct disk_io *io, struct disk_request *r);
/* Hand the requests prepared since the last call to the kernel, in one system call. */
void disk_io_flush(struct disk_io *io);
/* Run complete() for every finished request. */
void disk_io_reap(struct disk_io *io);
/* Whether finished requests wait for disk_io_reap(); no system call. */
bool disk_io_pending(const struct disk_io *io);

/*
 * The fd that becomes readable when requests finish, or -1 (synchronous
 * engine). It stays readable until disk_io_clear_event(); clear it before
 * checking disk_io_pending() and sleeping on it.
 */
int disk_io_event_fd(const struct disk_io *io);
void disk_io_clear_event(struct disk_io *io);

const char *disk_io_engine(const struct disk_io *io);

#endif
