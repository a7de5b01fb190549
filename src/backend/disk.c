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

int disk_open(struct disk *d, const char *path, bool readonly)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;

	d->path = path;
	d->readonly = readonly;
	/* A guest reading its disk is no access worth an inode update per read. */
	d->fd = open(path, flags | O_NOATIME);
	if (d->fd < 0 && errno == EPERM)	/* not the file's owner, no CAP_FOWNER */
		d->fd = open(path, flags);
	if (d->fd < 0) {
		pr_err("--disk %s: %s", path, strerror(errno));
		return -1;
	}
	/* Two VMs writing one image corrupt it: the lock is shared only among readers. */
	if (flock(d->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		pr_err("--disk %s: %s", path, errno == EWOULDBLOCK ?
		       "in use by another process (locked)" : strerror(errno));
		goto err_close;
	}
	if (fstat(d->fd, &st) || disk_size(d, &st))
		goto err_close;
	return 0;

err_close:
	close(d->fd);
	d->fd = -1;
	return -1;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
