#include "backend/disk.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int disk_size(struct disk *d, const struct stat *st)
{
	uint64_t bytes;

	if (S_ISREG(st->st_mode)) {
		d->size = (uint64_t)st->st_size;
	} else if (S_ISBLK(st->st_mode) && ioctl(d->fd, BLKGETSIZE64, &bytes) == 0) {
		d->size = bytes;
	} else {
		pr_err("--disk %s: not a regular file or block device", d->path);
		return -1;
	}
	if (d->size < DISK_SECTOR_SIZE) {
		pr_err("--disk %s: the image is empty (%llu bytes; a disk needs at least one "
		       "512-byte sector)", d->path, (unsigned long long)d->size);
		return -1;
	}
	if (d->size % DISK_SECTOR_SIZE)
		pr_warn("--disk %s: size is not a multiple of 512; the last %llu bytes are not "
			"visible to the guest", d->path,
			(unsigned long long)(d->size % DISK_SECTOR_SIZE));
	d->size -= d->size % DISK_SECTOR_SIZE;
	return 0;
}

/* O_DIRECT's alignment rules for the image (statx's STATX_DIOALIGN, Linux 6.1). */
static int dio_alignment(struct disk *d, const struct stat *st)
{
	struct statx sx;
	int lbs;

	if (S_ISBLK(st->st_mode)) {
		if (ioctl(d->direct_fd, BLKSSZGET, &lbs) || lbs <= 0)
			return -1;
		d->dio_mem_align = d->dio_offset_align = (uint32_t)lbs;
		return 0;
	}
	if (statx(d->direct_fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN)) {
		if (!sx.stx_dio_offset_align)
			return -1;	/* the file system takes no direct I/O on this file */
		d->dio_mem_align = sx.stx_dio_mem_align;
		d->dio_offset_align = sx.stx_dio_offset_align;
		return 0;
	}
	/* An older kernel does not say: a page is enough on every file system. */
	d->dio_mem_align = d->dio_offset_align = 4096;
	return 0;
}

/* A guest reading its disk is no access worth an inode update per read. */
static int open_noatime(const char *path, int flags)
{
	int fd = open(path, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)	/* not the file's owner, no CAP_FOWNER */
		fd = open(path, flags);
	return fd;
}

static int open_direct(struct disk *d, int flags, const struct stat *st)
{
	d->direct_fd = open_noatime(d->path, flags | O_DIRECT);
	if (d->direct_fd < 0 || dio_alignment(d, st)) {
		pr_err("--disk %s: cache=none: %s", d->path, d->direct_fd < 0 && errno != EINVAL ?
		       strerror(errno) : "the file system does not support direct I/O (O_DIRECT)");
		return -1;
	}
	return 0;
}

/* Two VMs writing one image corrupt it: the lock is shared only among readers. */
int disk_lock(struct disk *d)
{
	if (flock(d->fd, (d->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		pr_err("--disk %s: %s", d->path, errno == EWOULDBLOCK ?
		       "in use by another process (locked)" : strerror(errno));
		return -1;
	}
	return 0;
}

void disk_unlock(struct disk *d)
{
	flock(d->fd, LOCK_UN);
}

int disk_open_unlocked(struct disk *d, const char *path, bool readonly, bool direct)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;

	d->path = path;
	d->readonly = readonly;
	d->direct_fd = -1;
	d->fd = open_noatime(path, flags);
	if (d->fd < 0) {
		pr_err("--disk %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(d->fd, &st) || disk_size(d, &st))
		goto err_close;
	if (direct && open_direct(d, flags, &st))
		goto err_close;
	return 0;

err_close:
	disk_close(d);
	return -1;
}

int disk_open(struct disk *d, const char *path, bool readonly, bool direct)
{
	if (disk_open_unlocked(d, path, readonly, direct))
		return -1;
	if (disk_lock(d)) {
		disk_close(d);
		return -1;
	}
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->direct_fd >= 0)
		close(d->direct_fd);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = d->direct_fd = -1;
}

/*
 * Linux keeps direct and buffered I/O on one file coherent, so a request
 * O_DIRECT cannot take (a guest buffer at an odd address, a 512-byte write
 * on a 4 KiB-sector disk) goes through the page cache instead.
 */
int disk_rw_fd(const struct disk *d, const struct iovec *iov, unsigned cnt, uint64_t off,
	       uint64_t len)
{
	uint64_t mem = d->dio_mem_align - 1, pos = d->dio_offset_align - 1;
	unsigned i;

	if (d->direct_fd < 0 || (off & pos) || (len & pos))
		return d->fd;
	for (i = 0; i < cnt; i++)
		if (((uintptr_t)iov[i].iov_base & mem) || (iov[i].iov_len & mem))
			return d->fd;
	return d->direct_fd;
}
