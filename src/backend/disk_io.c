#include "backend/disk_io.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define ZERO_CHUNK	(64u << 10)

static const uint8_t zeroes[ZERO_CHUNK];

/* Step @n bytes into an iovec array. */
static void iov_skip(struct iovec **iov, unsigned *cnt, size_t n)
{
	while (*cnt && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

static int rw_sync(int fd, bool write, struct iovec *iov, unsigned cnt, uint64_t off,
		   uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwritev(fd, iov, (int)cnt, (off_t)(off + done)) :
				    preadv(fd, iov, (int)cnt, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the image shrank under us */
		done += (uint64_t)n;
		iov_skip(&iov, &cnt, (size_t)n);
	}
	return (int)done;
}

static int zero_by_writing(int fd, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		ssize_t w = pwrite(fd, zeroes, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/* Zeroes that read back as zeroes, by the cheapest means the file system has. */
static int zero_range(int fd, uint64_t off, uint64_t len)
{
	if (!fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len))
		return 0;
	if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len))
		return 0;
	return zero_by_writing(fd, off, len);
}

static int do_sync(struct disk *d, struct disk_request *r)
{
	switch (r->op) {
	case DISK_READ:
	case DISK_WRITE:
		return rw_sync(disk_rw_fd(d, r->iov, r->iovcnt, r->offset, r->len),
			       r->op == DISK_WRITE, r->iov, r->iovcnt, r->offset, r->len);
	case DISK_FLUSH:
		return fdatasync(d->fd) ? -errno : 0;
	case DISK_DISCARD:
		/* Discarded sectors read back unspecified (virtio 1.2, 5.2.6): a hole, or as they were. */
		if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)r->offset, (off_t)r->len) && errno != EOPNOTSUPP)
			return -errno;
		return 0;
	case DISK_WRITE_ZEROES:
		return zero_range(d->fd, r->offset, r->len);
	}
	return -EINVAL;
}

int disk_io_init(struct disk_io *io, struct disk *d, unsigned depth, bool use_uring,
		 void (*complete)(void *opaque, struct disk_request *r, int res), void *opaque)
{
	int err;

	memset(io, 0, sizeof(*io));
	io->disk = d;
	io->efd = -1;
	io->complete = complete;
	io->opaque = opaque;
	if (!use_uring)
		return 0;
	err = io_uring_queue_init(depth, &io->ring, 0);
	if (err) {
		pr_info("--disk %s: io_uring is unavailable (%s); using synchronous I/O", d->path,
			strerror(-err));
		return 0;
	}
	io->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->efd < 0 || io_uring_register_eventfd(&io->ring, io->efd)) {
		pr_err("--disk %s: cannot set up io_uring completions: %s", d->path,
		       strerror(errno));
		io_uring_queue_exit(&io->ring);
		if (io->efd >= 0)
			close(io->efd);
		io->efd = -1;
		return -1;
	}
	io->uring = true;
	return 0;
}

void disk_io_destroy(struct disk_io *io)
{
	if (!io->uring)
		return;
	/* Let the kernel finish with guest memory before it goes away. */
	disk_io_flush(io);
	while (io->inflight) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&io->ring, &cqe))
			break;
		io_uring_cqe_seen(&io->ring, cqe);
		io->inflight--;
	}
	io_uring_queue_exit(&io->ring);
	close(io->efd);
	io->uring = false;
}

static struct io_uring_sqe *get_sqe(struct disk_io *io)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

	if (!sqe) {
		disk_io_flush(io);
		sqe = io_uring_get_sqe(&io->ring);
	}
	return sqe;
}

/* One buffer needs no iovec array for the kernel to copy in and check. */
static void prep_rw(struct io_uring_sqe *sqe, int fd, const struct disk_request *r)
{
	bool write = r->op == DISK_WRITE;

	if (r->iovcnt == 1 && write)
		io_uring_prep_write(sqe, fd, r->iov[0].iov_base, (unsigned)r->iov[0].iov_len,
				    r->offset);
	else if (r->iovcnt == 1)
		io_uring_prep_read(sqe, fd, r->iov[0].iov_base, (unsigned)r->iov[0].iov_len,
				   r->offset);
	else if (write)
		io_uring_prep_writev(sqe, fd, r->iov, r->iovcnt, r->offset);
	else
		io_uring_prep_readv(sqe, fd, r->iov, r->iovcnt, r->offset);
}

void disk_io_submit(struct disk_io *io, struct disk_request *r)
{
	struct io_uring_sqe *sqe;
	int fd = io->disk->fd;

	if (!io->uring || !(sqe = get_sqe(io))) {
		io->complete(io->opaque, r, do_sync(io->disk, r));
		return;
	}
	switch (r->op) {
	case DISK_READ:
	case DISK_WRITE:
		prep_rw(sqe, disk_rw_fd(io->disk, r->iov, r->iovcnt, r->offset, r->len), r);
		break;
	case DISK_FLUSH:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	case DISK_DISCARD:
		io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					r->offset, r->len);
		break;
	case DISK_WRITE_ZEROES:
		io_uring_prep_fallocate(sqe, fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
					r->offset, r->len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	io->queued++;
	io->inflight++;
}

void disk_io_flush(struct disk_io *io)
{
	int n;

	if (!io->uring || !io->queued)
		return;
	do
		n = io_uring_submit(&io->ring);
	while (n == -EINTR || n == -EAGAIN);
	if (n < 0)
		pr_warn("--disk %s: io_uring submit: %s", io->disk->path, strerror(-n));
	io->queued = 0;
}

/* A short transfer or an operation the file system lacks: finish it the plain way. */
static int fix_result(struct disk_io *io, struct disk_request *r, int res)
{
	if (r->op == DISK_DISCARD && res == -EOPNOTSUPP)
		return 0;
	if (r->op == DISK_WRITE_ZEROES && res == -EOPNOTSUPP)
		return zero_range(io->disk->fd, r->offset, r->len);
	if ((r->op == DISK_READ || r->op == DISK_WRITE) && res >= 0 && (uint64_t)res < r->len) {
		struct iovec *iov = r->iov;
		unsigned cnt = r->iovcnt;
		int rest;

		iov_skip(&iov, &cnt, (size_t)res);
		rest = rw_sync(io->disk->fd, r->op == DISK_WRITE, iov, cnt, r->offset + (uint64_t)res,
			       r->len - (uint64_t)res);
		return rest < 0 ? rest : res + rest;
	}
	return res;
}

void disk_io_reap(struct disk_io *io)
{
	struct io_uring_cqe *cqe;

	if (!io->uring)
		return;
	while (io_uring_peek_cqe(&io->ring, &cqe) == 0) {
		struct disk_request *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&io->ring, cqe);
		io->inflight--;
		io->complete(io->opaque, r, fix_result(io, r, res));
	}
}

bool disk_io_pending(const struct disk_io *io)
{
	return io->uring && io_uring_cq_ready(&io->ring);
}

void disk_io_clear_event(struct disk_io *io)
{
	uint64_t cnt;

	if (io->uring && read(io->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		pr_debug("disk eventfd: %s", strerror(errno));
}

int disk_io_event_fd(const struct disk_io *io)
{
	return io->uring ? io->efd : -1;
}

const char *disk_io_engine(const struct disk_io *io)
{
	return io->uring ? "io_uring" : "synchronous";
}
