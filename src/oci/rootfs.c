#include "oci/rootfs.h"
#include "oci/lsm.h"
#include "oci/state.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct {
	const char *path;
	unsigned major, minor;
} default_devices[] = {
	{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
	const char *target, *link;
} dev_links[] = {
	{ "/proc/self/fd", "/dev/fd" }, { "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
};

static int open_in_root(int rootfd, const char *path, unsigned long flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/*
 * Resolve @path inside the root, making what is missing: directories on the
 * way, and at the end a directory or (@file) an empty file. Each prefix is
 * resolved inside the root again, so a symlink in the rootfs cannot lead out.
 * Returns an O_PATH fd.
 */
static int make_in_root(int rootfd, const char *path, bool file)
{
	char prefix[PATH_MAX] = "";
	const char *p = path, *end;
	size_t len = 0;
	int fd;

	fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	for (;;) {
		size_t parent_len = len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		if (len + 1 + (size_t)(end - p) >= sizeof(prefix)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		prefix[len++] = '/';
		memcpy(prefix + len, p, (size_t)(end - p));
		len += (size_t)(end - p);
		prefix[len] = 0;
		fd = open_in_root(rootfd, prefix, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			const char *name = prefix + parent_len + 1;
			int dir, f;

			prefix[parent_len] = 0;
			dir = open_in_root(rootfd, parent_len ? prefix : "/", O_PATH | O_DIRECTORY);
			prefix[parent_len] = '/';
			if (dir < 0)
				return -1;
			if (!*end && file) {
				f = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
				if (f >= 0)
					close(f);
			} else {
				mkdirat(dir, name, 0755);
			}
			close(dir);
			fd = open_in_root(rootfd, prefix, O_PATH);
		}
		if (fd < 0)
			return -1;
		if (!*end)
			return fd;
		close(fd);
		p = end;
	}
	return open_in_root(rootfd, "/", O_PATH);
}

static void fd_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, const char *what)
{
	if (mount(src, dst, type, flags, data)) {
		pr_err("mount %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Flags that a bind mount only takes on a remount. */
#define BIND_REMOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | \
			    MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/*
 * An fd path names the directory under a mount made on it: remounts and
 * propagation changes need the path resolved again, to the new mount.
 */
static int reopen(int rootfd, const char *path, int *fd, char *target, size_t size)
{
	close(*fd);
	*fd = open_in_root(rootfd, path, O_PATH);
	if (*fd < 0) {
		pr_err("mount %s: %s", path, strerror(errno));
		return -1;
	}
	fd_path(target, size, *fd);
	return 0;
}

/* Bind @src on @dest with @flags, which a bind mount only takes on a remount. */
static int bind_in_root(int rootfd, const char *src, const char *dest, unsigned long flags)
{
	char target[64];
	int fd = make_in_root(rootfd, dest, false), rc;

	if (fd < 0) {
		pr_err("mount %s: %s", dest, strerror(errno));
		return -1;
	}
	fd_path(target, sizeof(target), fd);
	rc = do_mount(src, target, NULL, MS_BIND | (flags & MS_REC), NULL, dest);
	if (!rc && (flags & BIND_REMOUNT_FLAGS))
		rc = reopen(rootfd, dest, &fd, target, sizeof(target)) ||
		     do_mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & BIND_REMOUNT_FLAGS),
			      NULL, dest);
	close(fd);
	return rc;
}

/* A tmpfs with @data, labelled linux.mountLabel where it is set. */
static int mount_tmpfs(const char *target, unsigned long flags, const char *data,
		       const char *label, const char *what)
{
	char *labelled = label ? lsm_mount_data(data, label) : NULL;
	int rc;

	if (label && !labelled) {
		pr_err("mount %s: out of memory", what);
		return -1;
	}
	rc = do_mount("tmpfs", target, "tmpfs", flags, label ? labelled : data, what);
	free(labelled);
	return rc;
}

/* cgroup v1 or hybrid: a tmpfs with each hierarchy's container directory bound in. */
static int mount_cgroup_v1(int rootfd, const struct oci_spec *s, const struct mount_entry *m,
			   const char *target, const char *cgroup_path)
{
	char line[4096], mnt[PATH_MAX], src[PATH_MAX + 256], sub[PATH_MAX];
	FILE *f;
	int rc = 0;

	if (mount_tmpfs(target, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", s->mount_label,
			m->destination))
		return -1;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || (strncmp(sep, " - cgroup ", 10) && strncmp(sep, " - cgroup2 ", 11)))
			continue;
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) != 1 ||
		    strncmp(mnt, "/sys/fs/cgroup/", 15))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", m->destination, mnt + 15);
		snprintf(src, sizeof(src), "%s%s", mnt, cgroup_path);
		if (access(src, F_OK))
			snprintf(src, sizeof(src), "%s", mnt);
		rc = bind_in_root(rootfd, src, sub, MS_REC | (m->flags & BIND_REMOUNT_FLAGS));
	}
	fclose(f);
	if (!rc && (m->flags & MS_RDONLY)) {
		int fd = open_in_root(rootfd, m->destination, O_PATH);
		char t[64];

		if (fd < 0)
			return -1;
		fd_path(t, sizeof(t), fd);
		rc = do_mount(NULL, t, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
			      MS_NOEXEC, "mode=755", m->destination);
		close(fd);
	}
	return rc;
}

static bool host_is_v2(void)
{
	return !access("/sys/fs/cgroup/cgroup.controllers", F_OK);
}

static int mount_cgroup(int rootfd, const struct oci_spec *s, const struct mount_entry *m,
			const char *target, const char *cgroup_path)
{
	char src[PATH_MAX];

	if (!host_is_v2())
		return mount_cgroup_v1(rootfd, s, m, target, cgroup_path);
	if (s->ns[NS_CGROUP].enabled)
		return do_mount("cgroup2", target, "cgroup2", m->flags & ~MS_BIND, NULL,
				m->destination);
	snprintf(src, sizeof(src), "/sys/fs/cgroup%s", cgroup_path);
	return bind_in_root(rootfd, src, m->destination, MS_REC | (m->flags & BIND_REMOUNT_FLAGS));
}

/*
 * A file system of its own: linux.mountLabel as its context= option, as runc
 * (not proc and sysfs, whose files have the kernel's labels; mqueue takes no
 * option, so its root is labelled). 0, or -1 with errno from mount.
 */
static int mount_fs(const struct oci_spec *s, const struct mount_entry *m, const char *target)
{
	const char *src = m->source ? m->source : m->type;
	unsigned long flags = m->flags & ~MS_REMOUNT;
	bool labelled = s->mount_label && strcmp(m->type, "proc") && strcmp(m->type, "sysfs") &&
			strcmp(m->type, "mqueue");
	char *data = labelled ? lsm_mount_data(m->data, s->mount_label) : m->data;
	int rc;

	if (labelled && !data) {
		errno = ENOMEM;
		return -1;
	}
	rc = mount(src, target, m->type, flags, data);
	if (labelled)
		free(data);
	if (!rc && s->mount_label && !strcmp(m->type, "mqueue") &&
	    lsm_label_path(target, s->mount_label))
		return -1;
	return rc;
}

static int mount_one(int rootfd, const struct oci_spec *s, const struct mount_entry *m,
		     const char *cgroup_path)
{
	char target[64];
	struct stat st;
	bool file = false;
	int fd, rc;

	if (m->bind) {
		if (stat(m->source, &st)) {
			pr_err("mount %s: source %s: %s", m->destination, m->source, strerror(errno));
			return -1;
		}
		file = !S_ISDIR(st.st_mode);
	}
	fd = make_in_root(rootfd, m->destination, file);
	if (fd < 0) {
		pr_err("mount %s: %s", m->destination, strerror(errno));
		return -1;
	}
	fd_path(target, sizeof(target), fd);
	if (m->bind) {
		rc = do_mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL,
			      m->destination);
		if (!rc && (m->flags & BIND_REMOUNT_FLAGS))
			rc = reopen(rootfd, m->destination, &fd, target, sizeof(target)) ||
			     do_mount(NULL, target, NULL,
				      MS_BIND | MS_REMOUNT | (m->flags & BIND_REMOUNT_FLAGS), NULL,
				      m->destination);
	} else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
		rc = mount_cgroup(rootfd, s, m, target, cgroup_path);
	} else if (!mount_fs(s, m, target)) {
		rc = 0;
	} else if (!strcmp(m->type, "sysfs") && (errno == EPERM || errno == EBUSY)) {
		/* Without its own network namespace a user namespace may not mount sysfs. */
		rc = do_mount("/sys", target, NULL, MS_BIND | MS_REC, NULL, m->destination) ||
		     ((m->flags & BIND_REMOUNT_FLAGS) &&
		      (reopen(rootfd, m->destination, &fd, target, sizeof(target)) ||
		       do_mount(NULL, target, NULL,
				MS_BIND | MS_REMOUNT | (m->flags & BIND_REMOUNT_FLAGS), NULL,
				m->destination)));
	} else {
		pr_err("mount %s (%s): %s", m->destination, m->type, strerror(errno));
		rc = -1;
	}
	if (!rc && m->propagation)
		rc = reopen(rootfd, m->destination, &fd, target, sizeof(target)) ||
		     do_mount(NULL, target, NULL, m->propagation, NULL, m->destination);
	close(fd);
	return rc;
}

static int make_device(int rootfd, const char *path, char type, unsigned major, unsigned minor,
		       mode_t mode, uid_t uid, gid_t gid, bool userns)
{
	char target[64];
	int fd;

	if (userns) {
		/* mknod is not allowed in a user namespace: bind the host's node instead. */
		fd = make_in_root(rootfd, path, true);
		if (fd < 0) {
			pr_err("device %s: %s", path, strerror(errno));
			return -1;
		}
		fd_path(target, sizeof(target), fd);
		if (do_mount(path, target, NULL, MS_BIND, NULL, path)) {
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	} else {
		char dir[PATH_MAX], *slash;
		const char *name;
		mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR, old_mask;
		int rc;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		*slash = 0;
		name = slash + 1;
		fd = make_in_root(rootfd, *dir ? dir : "/", false);
		if (fd < 0) {
			pr_err("device %s: %s", path, strerror(errno));
			return -1;
		}
		unlinkat(fd, name, 0);
		/* The mode set by mknod itself (umask off): no later chmod through a path. */
		old_mask = umask(0);
		rc = mknodat(fd, name, kind | (mode & 07777), makedev(major, minor));
		umask(old_mask);
		if (rc || fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW)) {
			pr_err("device %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static bool spec_has_device(const struct oci_spec *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n_devices; i++)
		if (!strcmp(s->devices[i].path, path))
			return true;
	return false;
}

static int make_devices(int rootfd, const struct oci_spec *s, bool userns)
{
	int dev;
	size_t i;

	for (i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
		if (!spec_has_device(s, default_devices[i].path) &&
		    make_device(rootfd, default_devices[i].path, 'c', default_devices[i].major,
				default_devices[i].minor, 0666, 0, 0, userns))
			return -1;
	for (i = 0; i < s->n_devices; i++) {
		const struct device_entry *d = &s->devices[i];

		if (make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type,
				(unsigned)d->major, (unsigned)d->minor, d->mode, d->uid, d->gid,
				userns))
			return -1;
	}
	dev = open_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY);
	if (dev < 0)
		return 0;
	for (i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, dev, dev_links[i].link + 5) && errno != EEXIST)
			pr_warn("%s: %s", dev_links[i].link, strerror(errno));
	/* With a devpts of its own, /dev/ptmx is its ptmx. */
	if (!faccessat(dev, "pts/ptmx", F_OK, AT_SYMLINK_NOFOLLOW)) {
		unlinkat(dev, "ptmx", 0);
		if (symlinkat("pts/ptmx", dev, "ptmx"))
			pr_warn("/dev/ptmx: %s", strerror(errno));
	}
	close(dev);
	return 0;
}

/*
 * The mount holding the rootfs, made private: with shared propagation on /
 * (rootfsPropagation "shared", or a host whose / is shared) the container's
 * mounts would otherwise reach the host, and pivot_root would refuse.
 */
static int parent_mount_private(const char *root)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s", root);
	for (;;) {
		slash = strrchr(path, '/');
		if (!slash)
			return -1;
		*(slash == path ? slash + 1 : slash) = 0;
		if (!mount(NULL, path, NULL, MS_PRIVATE, NULL))
			return 0;
		if (errno != EINVAL || !strcmp(path, "/")) {
			pr_err("making the mount of %s private: %s", path, strerror(errno));
			return -1;
		}
	}
}

int rootfs_prepare(const struct oci_spec *s, const char *cgroup_path, bool userns)
{
	int rootfd, rc = 0;
	size_t i;

	if (!s->ns[NS_MNT].enabled) {
		/* As crun: the host's mount table is no place for the container's mounts. */
		if (s->n_mounts)
			pr_warn("no mount namespace in linux.namespaces: the %zu mounts of "
				"config.json are not made, the container sees its rootfs as it is",
				s->n_mounts);
		return 0;
	}
	/*
	 * The copy of the host's mounts follows the host and sends nothing back,
	 * whatever rootfsPropagation says: that is for the container's own / (after
	 * the pivot). Applied here, "unbindable" would make every host mount a
	 * bind source cannot be (the cgroup hierarchies: EINVAL).
	 */
	if (do_mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL, "/ (propagation)") ||
	    parent_mount_private(s->root_path) ||
	    do_mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL, s->root_path))
		return -1;
	rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		pr_err("%s: %s", s->root_path, strerror(errno));
		return -1;
	}
	for (i = 0; !rc && i < s->n_mounts; i++)
		rc = mount_one(rootfd, s, &s->mounts[i], cgroup_path);
	if (!rc)
		rc = make_devices(rootfd, s, userns);
	close(rootfd);
	return rc;
}

int rootfs_enter(const struct oci_spec *s, bool no_pivot)
{
	if (chdir(s->root_path)) {
		pr_err("%s: %s", s->root_path, strerror(errno));
		return -1;
	}
	/* Without a mount namespace there is no mount table of its own to change: a chroot. */
	if (no_pivot && s->ns[NS_MNT].enabled &&
	    do_mount(s->root_path, "/", NULL, MS_MOVE, NULL, "rootfs (move)"))
		return -1;
	if (no_pivot || !s->ns[NS_MNT].enabled) {
		if (chroot(".")) {
			pr_err("chroot %s: %s", s->root_path, strerror(errno));
			return -1;
		}
		return chdir("/");
	}
	if (syscall(SYS_pivot_root, ".", ".")) {
		pr_err("pivot_root %s: %s", s->root_path, strerror(errno));
		return -1;
	}
	/* The old root, now stacked under ".": keep its unmount from reaching the host. */
	if (do_mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL, "old root") ||
	    umount2(".", MNT_DETACH)) {
		pr_err("unmounting the old root: %s", strerror(errno));
		return -1;
	}
	return chdir("/");
}

static int mask_path(const char *path, const char *label)
{
	struct stat st;

	if (stat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode))
		return mount_tmpfs(path, MS_RDONLY, "size=0", label, path);
	return do_mount("/dev/null", path, NULL, MS_BIND, NULL, path);
}

/* The flags a remount must keep: a user namespace may not clear locked ones. */
static unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv))
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int readonly_path(const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL)) {
		if (errno == ENOENT)
			return 0;
		pr_err("linux.readonlyPaths %s: %s", path, strerror(errno));
		return -1;
	}
	return do_mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path), NULL,
			path);
}

static int write_sysctl(const struct sysctl_entry *e)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "/proc/sys/%s", e->key);
	for (p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	if (write_existing(path, e->value)) {
		pr_err("linux.sysctl %s: %s", e->key, strerror(errno));
		return -1;
	}
	return 0;
}

int rootfs_finish(const struct oci_spec *s)
{
	size_t i;

	/* Sysctls first: /proc/sys is usually among the read-only paths. */
	for (i = 0; i < s->n_sysctl; i++)
		if (write_sysctl(&s->sysctl[i]))
			return -1;
	for (i = 0; s->masked_paths && s->masked_paths[i]; i++)
		if (mask_path(s->masked_paths[i], s->mount_label))
			return -1;
	for (i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
		if (readonly_path(s->readonly_paths[i]))
			return -1;
	if (s->root_readonly &&
	    do_mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags("/"), NULL,
		     "/ (read-only)"))
		return -1;
	/*
	 * rootfsPropagation, on the container's own / (config-linux.md); last, as
	 * "runbindable" leaves nothing under / a bind (a mask) can take.
	 */
	if (s->rootfs_propagation &&
	    do_mount(NULL, "/", NULL, s->rootfs_propagation, NULL, "/ (rootfsPropagation)"))
		return -1;
	return 0;
}
