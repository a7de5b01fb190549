#include "oci/state.h"
#include "oci/cgroup.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool container_id_valid(const char *id)
{
	const char *p;

	if (!*id || !strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
		return false;
	for (p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_+-.", *p))
			return false;
	return true;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) && errno != EEXIST ? -1 : 0;
}

int state_claim(struct container *c, const char *root, const char *id)
{
	memset(c, 0, sizeof(*c));
	if (mkdir_p(root, 0700)) {
		pr_err("--root %s: %s", root, strerror(errno));
		return -1;
	}
	c->root = strdup(root);
	c->id = strdup(id);
	if (asprintf(&c->dir, "%s/%s", root, id) < 0)
		return -1;
	if (mkdir(c->dir, 0700)) {
		if (errno == EEXIST)
			pr_err("container '%s' already exists", id);
		else
			pr_err("%s: %s", c->dir, strerror(errno));
		free(c->dir);
		c->dir = NULL;
		return -1;
	}
	return 0;
}

int write_file_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) || rename(tmp, path)) {
		pr_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

int write_existing(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), saved;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	saved = errno;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	errno = n < 0 ? saved : EIO;
	return -1;
}

int write_pid_file(const char *path, pid_t pid)
{
	char text[16];

	if (!path)
		return 0;
	snprintf(text, sizeof(text), "%d", (int)pid);
	return write_file_atomic(path, text);
}

int state_save(const struct container *c)
{
	char path[PATH_MAX], *text;
	json_t *j;
	int rc;

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:b, s:o}", "id", c->id,
		      "bundle", c->bundle, "rootfs", c->rootfs, "cgroup", c->cgroup,
		      "created", c->created, "owner", c->owner ? c->owner : "", "pid", (int)c->pid,
		      "startTime", (json_int_t)c->start_time, "systemdCgroup", c->systemd_cgroup,
		      "annotations", c->annotations ? json_incref(c->annotations) : json_object());
	if (!j)
		return -1;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", c->dir);
	rc = write_file_atomic(path, text);
	free(text);
	return rc;
}

int state_load(struct container *c, const char *root, const char *id)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *j;
	const char *bundle, *rootfs, *cgroup, *created, *owner;
	json_int_t start = 0;
	int pid = 0, sd = 0;
	json_t *ann = NULL;

	memset(c, 0, sizeof(*c));
	if (!container_id_valid(id)) {
		pr_err("'%s' is not a valid container id", id);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/state.json", root, id);
	j = json_load_file(path, 0, &jerr);
	if (!j) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/%s", root, id);
		if (access(dir, F_OK))
			pr_err("container '%s' does not exist", id);
		else
			pr_err("container '%s' is still being created (or its create failed): "
			       "%s", id, jerr.text);
		return -1;
	}
	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:s, s:s, s:s, s:s, s?s, s:i, s:I, s?b, s?o}",
			   "bundle", &bundle, "rootfs", &rootfs, "cgroup", &cgroup,
			   "created", &created, "id", &(const char *){ NULL }, "owner", &owner,
			   "pid", &pid, "startTime", &start, "systemdCgroup", &sd,
			   "annotations", &ann)) {
		pr_err("%s: %s", path, jerr.text);
		json_decref(j);
		return -1;
	}
	c->root = strdup(root);
	c->id = strdup(id);
	if (asprintf(&c->dir, "%s/%s", root, id) < 0)
		c->dir = NULL;
	c->bundle = strdup(bundle);
	c->rootfs = strdup(rootfs);
	c->cgroup = strdup(cgroup);
	c->created = strdup(created);
	c->owner = strdup(owner ? owner : "");
	c->pid = pid;
	c->start_time = (unsigned long long)start;
	c->systemd_cgroup = sd;
	c->annotations = ann ? json_incref(ann) : NULL;
	json_decref(j);
	return 0;
}

static int remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree(fd, e->d_name);
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

void state_remove(const struct container *c)
{
	if (c->dir && remove_tree(AT_FDCWD, c->dir) && errno != ENOENT)
		pr_warn("%s: %s", c->dir, strerror(errno));
}

void state_free(struct container *c)
{
	free(c->root);
	free(c->id);
	free(c->dir);
	free(c->bundle);
	free(c->rootfs);
	free(c->cgroup);
	free(c->created);
	free(c->owner);
	json_decref(c->annotations);
	memset(c, 0, sizeof(*c));
}

unsigned long long pid_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	char state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu", &state, &start) != 2)
		return 0;
	return state == 'Z' || state == 'X' ? 0 : start;
}

bool container_alive(const struct container *c)
{
	return c->pid > 0 && pid_start_time(c->pid) == c->start_time && c->start_time;
}

enum container_status container_status(const struct container *c)
{
	char fifo[PATH_MAX];

	if (!container_alive(c))
		return ST_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->dir);
	if (!access(fifo, F_OK))
		return ST_CREATED;
	return cgroup_frozen(c->cgroup) == 1 ? ST_PAUSED : ST_RUNNING;
}

const char *status_name(enum container_status s)
{
	static const char *const names[] = {
		[ST_CREATING] = "creating", [ST_CREATED] = "created", [ST_RUNNING] = "running",
		[ST_PAUSED] = "paused", [ST_STOPPED] = "stopped",
	};
	return names[s];
}

json_t *container_oci_state(const struct container *c, enum container_status s)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", "1.0.2", "id", c->id,
			      "status", status_name(s), "bundle", c->bundle);

	if (!j)
		return NULL;
	if (s != ST_STOPPED && c->pid > 0)
		json_object_set_new(j, "pid", json_integer(c->pid));
	if (c->annotations && json_object_size(c->annotations))
		json_object_set(j, "annotations", c->annotations);
	return j;
}

char *state_json_text(const struct container *c, enum container_status s)
{
	json_t *j = container_oci_state(c, s);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return text;
}
