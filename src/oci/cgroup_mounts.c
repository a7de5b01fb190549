/*
 * The host's cgroup mounts, from /proc/self/mountinfo: one entry a hierarchy,
 * with the controllers it carries (cgroup2's from its cgroup.controllers); and
 * a cgroup's directories in one of them.
 */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MOUNTINFO "/proc/self/mountinfo"

const char *const cg_v1_names[C_NR] = {
	[C_CPU] = "cpu", [C_CPUACCT] = "cpuacct", [C_CPUSET] = "cpuset",
	[C_MEMORY] = "memory", [C_DEVICES] = "devices", [C_FREEZER] = "freezer",
	[C_BLKIO] = "blkio", [C_PIDS] = "pids", [C_HUGETLB] = "hugetlb",
	[C_NET_CLS] = "net_cls", [C_NET_PRIO] = "net_prio",
	[C_PERF_EVENT] = "perf_event", [C_RDMA] = "rdma", [C_MISC] = "misc",
};

/* cgroup-v2.rst "Controllers": io is blkio's successor; devices and freezer are not controllers. */
const char *const cg_v2_names[C_NR] = {
	[C_CPU] = "cpu", [C_CPUSET] = "cpuset", [C_MEMORY] = "memory", [C_BLKIO] = "io",
	[C_PIDS] = "pids", [C_HUGETLB] = "hugetlb", [C_PERF_EVENT] = "perf_event",
	[C_RDMA] = "rdma", [C_MISC] = "misc",
};

unsigned cg_ctrl_bit(const char *name, const char *const names[C_NR])
{
	for (int c = 0; c < C_NR; c++)
		if (names[c] && !strcmp(name, names[c]))
			return BIT(c);
	return 0;
}

/* Undo mountinfo's octal escapes (proc(5): space, tab, newline, backslash). */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Fields 3 (major:minor) and 5 (mount point), then after " - " type and super options. */
static int mountinfo_line(char *line, struct mtab *t)
{
	char *sep = strstr(line, " - "), *f[6], *fstype, *opts, *save = NULL, *o;
	struct hier *h;
	int i;

	if (!sep)
		return 0;
	*sep = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (i = 1; i < 6 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (i < 6 || !f[5])
		return 0;
	save = NULL;
	fstype = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save);
	opts = strtok_r(NULL, " \n", &save);
	if (!fstype || (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")))
		return 0;
	for (size_t k = 0; k < t->n; k++)
		if (!strcmp(t->h[k].dev, f[2]))
			return 0;
	if (t->n == MAX_HIER)
		return 0;
	h = &t->h[t->n];
	memset(h, 0, sizeof(*h));
	unescape(f[4]);
	if (strlen(f[4]) >= sizeof(h->mnt) || strlen(f[2]) >= sizeof(h->dev))
		return 0;
	strcpy(h->mnt, f[4]);
	strcpy(h->dev, f[2]);
	h->v2 = !strcmp(fstype, "cgroup2");
	save = NULL;
	for (o = opts ? strtok_r(opts, ",", &save) : NULL; o && !h->v2;
	     o = strtok_r(NULL, ",", &save)) {
		h->ctrls |= cg_ctrl_bit(o, cg_v1_names);
		if (!strcmp(o, "name=systemd"))
			h->systemd = true;
	}
	if (h->v2 || h->ctrls || h->systemd)
		t->n++;
	return 0;
}

int mtab_parse(FILE *f, struct mtab *t)
{
	char *line = NULL;
	size_t cap = 0;

	t->n = 0;
	while (getline(&line, &cap, f) > 0)
		mountinfo_line(line, t);
	free(line);
	return 0;
}

enum cgroup_mode mtab_mode(const struct mtab *t)
{
	bool v1 = false, v2 = false;

	for (size_t i = 0; i < t->n; i++) {
		if (t->h[i].v2)
			v2 = true;
		else if (t->h[i].ctrls)
			v1 = true;
	}
	if (v1 && v2)
		return CGROUP_HYBRID;
	return v2 ? CGROUP_V2 : CGROUP_V1;
}

const struct hier *mtab_v2(const struct mtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->h[i].v2)
			return &t->h[i];
	return NULL;
}

const struct hier *mtab_v1(const struct mtab *t, enum ctrl c)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->h[i].v2 && (t->h[i].ctrls & BIT(c)))
			return &t->h[i];
	return NULL;
}

/*
 * Where controller @c's files live: its v1 hierarchy if mounted, else the
 * cgroup2 one if it offers @c there. Device rules and freezing are core
 * cgroup2 features (eBPF, cgroup.freeze), available wherever cgroup2 is.
 */
const struct hier *mtab_route(const struct mtab *t, enum ctrl c)
{
	const struct hier *h = mtab_v1(t, c), *v2 = mtab_v2(t);

	if (h || !v2)
		return h;
	if (c == C_DEVICES || c == C_FREEZER || (v2->ctrls & BIT(c)))
		return v2;
	return NULL;
}

/* The hierarchies a container's cgroup is made in: as runc, every controller's plus name=systemd. */
bool hier_used(const struct hier *h)
{
	return h->v2 || h->ctrls || h->systemd;
}

static void v2_controllers(struct hier *h)
{
	char buf[1024], *save = NULL, *w;

	if (cg_read_file(h->mnt, "cgroup.controllers", buf, sizeof(buf))) {
		pr_warn("cgroup: cannot read %s/cgroup.controllers: %s", h->mnt, strerror(errno));
		return;
	}
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		h->ctrls |= cg_ctrl_bit(w, cg_v2_names);
}

/* The one global: the host's mounts, read once. */
static struct mtab host_mtab;
static bool host_mtab_ok;
static pthread_once_t host_mtab_once = PTHREAD_ONCE_INIT;

static void host_mtab_load(void)
{
	FILE *f = fopen(MOUNTINFO, "re");

	if (!f) {
		pr_err("cgroup: cannot read %s: %s", MOUNTINFO, strerror(errno));
		return;
	}
	mtab_parse(f, &host_mtab);
	fclose(f);
	for (size_t i = 0; i < host_mtab.n; i++)
		if (host_mtab.h[i].v2)
			v2_controllers(&host_mtab.h[i]);
	if (!host_mtab.n) {
		pr_err("cgroup: no cgroup or cgroup2 file system is mounted (%s)", MOUNTINFO);
		return;
	}
	host_mtab_ok = true;
}

const struct mtab *mtab_get(void)
{
	pthread_once(&host_mtab_once, host_mtab_load);
	return host_mtab_ok ? &host_mtab : NULL;
}

enum cgroup_mode cgroup_detect(void)
{
	const struct mtab *t = mtab_get();

	return t ? mtab_mode(t) : CGROUP_V2;
}

int cg_dir(const struct hier *h, const char *path, char *buf)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s%s", h->mnt, path) >= PATH_MAX) {
		pr_err("cgroup: %s%s: %s", h->mnt, path, strerror(ENAMETOOLONG));
		return -1;
	}
	return 0;
}

/* @fn on each directory from the first below the mount point down to @path. */
int cg_for_each_level(const struct hier *h, const char *path,
			  int (*fn)(const char *dir, void *arg), void *arg)
{
	char d[PATH_MAX];
	size_t base = strlen(h->mnt);

	if (cg_dir(h, path, d))
		return -1;
	for (char *s = d + base + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char save = *s;

		*s = '\0';
		if (fn(d, arg))
			return -1;
		*s = save;
		if (!save)
			return 0;
	}
}
