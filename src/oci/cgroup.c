/*
 * The public lifecycle of a container's cgroup (oci/cgroup.h): create it in
 * every hierarchy, apply the limits, move the process in; join, freeze, list
 * and remove it.
 */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_TRIES 2000
#define FREEZE_SLEEP_NS 1000000L
#define RMDIR_TRIES 20
#define RMDIR_SLEEP_NS 50000000L

struct created {
	char **dirs;
	size_t n;
};

static int note_created(struct created *c, const char *dir)
{
	char **d = realloc(c->dirs, (c->n + 1) * sizeof(*d));

	if (!d)
		return -1;
	c->dirs = d;
	c->dirs[c->n] = strdup(dir);
	return c->dirs[c->n] ? (c->n++, 0) : -1;
}

static void undo_created(struct created *c, bool remove)
{
	while (c->n--) {
		if (remove && rmdir(c->dirs[c->n]) && errno != ENOENT)
			pr_warn("cgroup: cannot remove %s: %s", c->dirs[c->n], strerror(errno));
		free(c->dirs[c->n]);
	}
	free(c->dirs);
	c->dirs = NULL;
	c->n = 0;
}

static int make_level(const char *d, void *arg)
{
	if (!mkdir(d, 0755)) {
		if (note_created(arg, d)) {
			pr_err("cgroup: out of memory");
			return -1;
		}
	} else if (errno != EEXIST) {
		pr_err("cgroup: cannot create %s: %s", d, strerror(errno));
		return -1;
	}
	return 0;
}

/* mkdir -p below the mount point, remembering what was made. */
static int make_path(const struct hier *h, const char *path, struct created *c)
{
	return cg_for_each_level(h, path, make_level, c);
}

/* The cgroups @pid is in now, one per hierarchy of @t, so a failed move can be undone. */
static void original_cgroups(const struct mtab *t, pid_t pid, char *orig[MAX_HIER])
{
	char file[64], *line = NULL, *ctl, *path, *save;
	size_t cap = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned bits = 0;
		bool sd = false, v2;

		line[strcspn(line, "\n")] = '\0';
		if (!(ctl = strchr(line, ':')) || !(path = strchr(++ctl, ':')))
			continue;
		*path++ = '\0';
		v2 = !*ctl && !strncmp(line, "0:", 2);
		save = NULL;
		for (char *w = strtok_r(ctl, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			bits |= cg_ctrl_bit(w, cg_v1_names);
			sd |= !strcmp(w, "name=systemd");
		}
		for (size_t i = 0; i < t->n; i++)
			if (!orig[i] && t->h[i].v2 == v2 &&
			    (v2 || (t->h[i].ctrls == bits && t->h[i].systemd == sd)))
				orig[i] = strdup(path);
	}
	free(line);
	fclose(f);
}

static int join_one(const struct hier *h, const char *path, pid_t pid)
{
	char d[PATH_MAX], buf[32];

	if (cg_dir(h, path, d))
		return -1;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write_file(d, "cgroup.procs", buf, NULL);
}

static int join_all(const struct mtab *t, const char *path, pid_t pid)
{
	char *orig[MAX_HIER] = { 0 };
	size_t i;
	int ret = 0;

	original_cgroups(t, pid, orig);
	for (i = 0; i < t->n; i++)
		if (hier_used(&t->h[i]) && join_one(&t->h[i], path, pid))
			break;
	if (i < t->n) {
		ret = -1;
		while (i--)
			if (hier_used(&t->h[i]) && orig[i])
				join_one(&t->h[i], orig[i], pid);
	}
	for (i = 0; i < t->n; i++)
		free(orig[i]);
	return ret;
}

/* Whether @path already holds processes in some hierarchy: then it is not ours to take. */
static bool populated(const struct mtab *t, const char *path)
{
	char d[PATH_MAX], file[PATH_MAX + 16], buf[16];
	size_t i;

	for (i = 0; i < t->n; i++) {
		int fd;
		ssize_t n;

		if (!hier_used(&t->h[i]) || cg_dir(&t->h[i], path, d))
			continue;
		snprintf(file, sizeof(file), "%s/cgroup.procs", d);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n > 0) {
			pr_err("cgroup %s already has processes (in %s): it is not this container's",
			       path, d);
			return true;
		}
	}
	return false;
}

int cgroup_enter(const char *path, const struct cgroup_limits *l, pid_t pid)
{
	const struct mtab *t = mtab_get();
	struct created c = { 0 };
	unsigned v2_ctrls;

	if (!*path)
		return 0;	/* a rootless container without a cgroup */
	if (!t || !cg_path_ok(path) || cg_plan(t, l, &v2_ctrls) || populated(t, path))
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct hier *h = &t->h[i];

		if (!hier_used(h) || make_path(h, path, &c))
			goto err;
		if (!h->v2 && (h->ctrls & BIT(C_CPUSET)) && cg_v1_cpuset_fill(h, path))
			goto err;
		if (h->v2 && cg_v2_enable(h, path, v2_ctrls))
			goto err;
	}
	if (cg_apply(t, path, l) || join_all(t, path, pid))
		goto err;
	undo_created(&c, false);
	return 0;
err:
	undo_created(&c, true);
	return -1;
}

int cgroup_join(const char *path, pid_t pid)
{
	const struct mtab *t = mtab_get();

	if (!*path)
		return 0;	/* a rootless container without a cgroup */
	if (!t || !cg_path_ok(path))
		return -1;
	return join_all(t, path, pid);
}

/* ---- freezing ---- */

static void nap(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	nanosleep(&ts, NULL);
}

static int freezer_dir(const char *path, char *d, const struct hier **out)
{
	const struct mtab *t = mtab_get();
	const struct hier *h;

	if (!t || !cg_path_ok(path))
		return -1;
	h = mtab_route(t, C_FREEZER);
	if (!h) {
		pr_err("cgroup: %s: the freezer controller is not mounted", path);
		return -1;
	}
	*out = h;
	return cg_dir(h, path, d);
}

/* freezer-subsystem.rst: FREEZING may linger while tasks are busy; writing FROZEN again retries. */
int cgroup_freeze(const char *path, bool frozen)
{
	const struct hier *h;
	char d[PATH_MAX];
	const char *file, *val;
	int state = -1;

	if (!*path) {
		pr_err("this container has no cgroup of its own (made rootless): nothing to %s",
		       frozen ? "freeze" : "thaw");
		return -1;
	}
	if (freezer_dir(path, d, &h))
		return -1;
	file = h->v2 ? "cgroup.freeze" : "freezer.state";
	val = h->v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	for (int i = 0; i < FREEZE_TRIES; i++) {
		if ((i == 0 || (!h->v2 && i % 10 == 0)) && cg_write_file(d, file, val, NULL))
			return -1;
		state = h->v2 ? cg_v2_frozen(d) : cg_v1_frozen(d);
		if (state < 0)
			return -1;
		if (state == frozen)
			return 0;
		nap(FREEZE_SLEEP_NS);
	}
	pr_err("cgroup: %s did not become %s in time", d, frozen ? "frozen" : "thawed");
	if (frozen)
		cg_write_file(d, file, h->v2 ? "0" : "THAWED", NULL);
	return -1;
}

int cgroup_frozen(const char *path)
{
	const struct hier *h;
	char d[PATH_MAX];

	if (!*path)
		return 0;
	if (freezer_dir(path, d, &h))
		return -1;
	return h->v2 ? cg_v2_frozen(d) : cg_v1_frozen(d);
}

/* ---- listing and removing ---- */

/* All hierarchies hold the same tasks; prefer one with the container's limits, pids. */
static const struct hier *list_hier(const struct mtab *t)
{
	const struct hier *h = mtab_route(t, C_PIDS);

	if (h)
		return h;
	for (size_t i = 0; i < t->n; i++)
		if (hier_used(&t->h[i]))
			return &t->h[i];
	return NULL;
}

int cgroup_pids(const char *path, pid_t **pids, size_t *n)
{
	const struct mtab *t = mtab_get();
	char d[PATH_MAX], file[PATH_MAX + 16];
	pid_t *v = NULL, *nv;
	size_t len = 0, cap = 0;
	long pid;
	FILE *f;

	if (!*path) {
		pr_err("this container has no cgroup of its own (made rootless): its processes are not known");
		return -1;
	}
	*pids = NULL;
	*n = 0;
	if (!t || !cg_path_ok(path) || cg_dir(list_hier(t), path, d))
		return -1;
	snprintf(file, sizeof(file), "%s/cgroup.procs", d);
	f = fopen(file, "re");
	if (!f) {
		pr_err("cgroup: cannot read %s: %s", file, strerror(errno));
		return -1;
	}
	while (fscanf(f, "%ld", &pid) == 1) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				pr_err("cgroup: %s: out of memory", file);
				free(v);
				fclose(f);
				return -1;
			}
			v = nv;
		}
		v[len++] = (pid_t)pid;
	}
	fclose(f);
	*pids = v;
	*n = len;
	return 0;
}

/* Cgroups the container made below its own go first (a directory holds only files and cgroups). */
static int remove_tree(const char *d)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *dir = opendir(d);
	int ret = 0, err = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(dir))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", d, e->d_name) >= sizeof(sub)) {
			err = ENAMETOOLONG;
			ret = -1;
		} else if (remove_tree(sub)) {
			err = errno;
			ret = -1;
		}
	}
	closedir(dir);
	if (!ret && rmdir(d) && errno != ENOENT)
		return -1;
	errno = err;
	return ret;
}

/* A cgroup whose last task just exited stays busy a moment: retry all together, ~1 s. */
int cgroup_destroy(const char *path)
{
	const struct mtab *t = mtab_get();
	int err[MAX_HIER] = { 0 }, ret = 0;
	bool again = true;
	char d[PATH_MAX];

	if (!*path)
		return 0;
	if (!t || !cg_path_ok(path))
		return -1;
	for (size_t i = 0; i < t->n; i++)
		err[i] = hier_used(&t->h[i]) ? EBUSY : 0;
	for (int round = 0; again && round < RMDIR_TRIES; round++) {
		if (round)
			nap(RMDIR_SLEEP_NS);
		again = false;
		for (size_t i = 0; i < t->n; i++) {
			if (err[i] != EBUSY || cg_dir(&t->h[i], path, d))
				continue;
			err[i] = remove_tree(d) ? errno : 0;
			again |= err[i] == EBUSY;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		if (!err[i] || cg_dir(&t->h[i], path, d))
			continue;
		pr_err("cgroup: cannot remove %s: %s", d, strerror(err[i]));
		ret = -1;
	}
	return ret;
}
