#include "oci/cgroup.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RES "linux.resources"
#define MOUNTINFO "/proc/self/mountinfo"
#define MAX_HIER 32
#define VAL_LEN 128
#define BPF_LOG_SIZE 4096
#define SHARES_MIN 2
#define SHARES_MAX 262144
#define WEIGHT_V2_MAX 10000
#define BLKIO_WEIGHT_MIN 10
#define BLKIO_WEIGHT_MAX 1000
#define CFS_PERIOD_MIN 1000
#define CFS_PERIOD_MAX 1000000
#define FREEZE_TRIES 2000
#define FREEZE_SLEEP_NS 1000000L
#define RMDIR_TRIES 20
#define RMDIR_SLEEP_NS 50000000L

enum ctrl {
	C_CPU, C_CPUACCT, C_CPUSET, C_MEMORY, C_DEVICES, C_FREEZER, C_BLKIO, C_PIDS,
	C_HUGETLB, C_NET_CLS, C_NET_PRIO, C_PERF_EVENT, C_RDMA, C_MISC, C_NR
};

#define BIT(c) (1u << (c))

static const char *const v1_names[C_NR] = {
	[C_CPU] = "cpu", [C_CPUACCT] = "cpuacct", [C_CPUSET] = "cpuset",
	[C_MEMORY] = "memory", [C_DEVICES] = "devices", [C_FREEZER] = "freezer",
	[C_BLKIO] = "blkio", [C_PIDS] = "pids", [C_HUGETLB] = "hugetlb",
	[C_NET_CLS] = "net_cls", [C_NET_PRIO] = "net_prio",
	[C_PERF_EVENT] = "perf_event", [C_RDMA] = "rdma", [C_MISC] = "misc",
};

/* cgroup-v2.rst "Controllers": io is blkio's successor; devices and freezer are not controllers. */
static const char *const v2_names[C_NR] = {
	[C_CPU] = "cpu", [C_CPUSET] = "cpuset", [C_MEMORY] = "memory", [C_BLKIO] = "io",
	[C_PIDS] = "pids", [C_HUGETLB] = "hugetlb", [C_PERF_EVENT] = "perf_event",
	[C_RDMA] = "rdma", [C_MISC] = "misc",
};

/* One mounted hierarchy (bind mounts of the same one are listed once). */
struct hier {
	char mnt[PATH_MAX];
	char dev[32];
	unsigned ctrls;
	bool v2;
	bool systemd;
};

struct mtab {
	struct hier h[MAX_HIER];
	size_t n;
};

struct opt64 {
	bool set;
	int64_t v;
};

/* The kernel's bits, so that the eBPF program can test them as they come. */
enum {
	ACC_R = BPF_DEVCG_ACC_READ,
	ACC_W = BPF_DEVCG_ACC_WRITE,
	ACC_M = BPF_DEVCG_ACC_MKNOD,
	ACC_ALL = ACC_R | ACC_W | ACC_M,
};

struct dev_rule {
	bool allow;
	char type;
	int64_t major, minor;	/* -1: any */
	unsigned access;
};

struct blk_weight {
	int64_t major, minor, weight, leaf;	/* weights 0: unset */
};

struct blk_rate {
	int64_t major, minor;
	uint64_t rate;
};

enum { T_READ_BPS, T_WRITE_BPS, T_READ_IOPS, T_WRITE_IOPS, T_NR };

static const char *const throttle_keys[T_NR] = {
	"throttleReadBpsDevice", "throttleWriteBpsDevice",
	"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};
static const char *const throttle_v1[T_NR] = {
	"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
};
static const char *const throttle_v2[T_NR] = { "rbps", "wbps", "riops", "wiops" };

struct hugepage {
	char size[16];
	uint64_t limit;
};

struct kv {
	char *key;
	char *val;
};

/* Zero means "leave as it is" wherever runc reads it that way; -1 is "unlimited". */
struct cgroup_limits {
	struct {
		bool any;
		int64_t limit, reservation, swap, kernel_tcp;
		struct opt64 swappiness, use_hierarchy;
		bool disable_oom, check;
	} mem;
	struct {
		bool any;
		uint64_t shares, period, rt_period;
		int64_t quota, rt_runtime;
		struct opt64 burst, idle;
	} cpu;
	struct {
		char *cpus, *mems;
	} cpuset;
	int64_t pids;
	struct {
		bool any;
		int64_t weight, leaf;
		struct blk_weight *wdev;
		size_t n_wdev;
		struct blk_rate *rate[T_NR];
		size_t n_rate[T_NR];
	} blk;
	struct hugepage *huge;
	size_t n_huge;
	bool has_devices;
	struct dev_rule *dev;
	size_t n_dev;
	struct kv *unified;
	size_t n_unified;
};

/* ---- the mount table ---- */

static unsigned ctrl_bit(const char *name, const char *const names[C_NR])
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
		h->ctrls |= ctrl_bit(o, v1_names);
		if (!strcmp(o, "name=systemd"))
			h->systemd = true;
	}
	if (h->v2 || h->ctrls || h->systemd)
		t->n++;
	return 0;
}

static int mtab_parse(FILE *f, struct mtab *t)
{
	char *line = NULL;
	size_t cap = 0;

	t->n = 0;
	while (getline(&line, &cap, f) > 0)
		mountinfo_line(line, t);
	free(line);
	return 0;
}

static enum cgroup_mode mtab_mode(const struct mtab *t)
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

static const struct hier *mtab_v2(const struct mtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->h[i].v2)
			return &t->h[i];
	return NULL;
}

static const struct hier *mtab_v1(const struct mtab *t, enum ctrl c)
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
static const struct hier *mtab_route(const struct mtab *t, enum ctrl c)
{
	const struct hier *h = mtab_v1(t, c), *v2 = mtab_v2(t);

	if (h || !v2)
		return h;
	if (c == C_DEVICES || c == C_FREEZER || (v2->ctrls & BIT(c)))
		return v2;
	return NULL;
}

/* The hierarchies a container's cgroup is made in: as runc, every controller's plus name=systemd. */
static bool hier_used(const struct hier *h)
{
	return h->v2 || h->ctrls || h->systemd;
}

static int read_file(const char *dir, const char *file, char *buf, size_t size)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static void v2_controllers(struct hier *h)
{
	char buf[1024], *save = NULL, *w;

	if (read_file(h->mnt, "cgroup.controllers", buf, sizeof(buf))) {
		pr_warn("cgroup: cannot read %s/cgroup.controllers: %s", h->mnt, strerror(errno));
		return;
	}
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		h->ctrls |= ctrl_bit(w, v2_names);
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

static const struct mtab *mtab_get(void)
{
	pthread_once(&host_mtab_once, host_mtab_load);
	return host_mtab_ok ? &host_mtab : NULL;
}

enum cgroup_mode cgroup_detect(void)
{
	const struct mtab *t = mtab_get();

	return t ? mtab_mode(t) : CGROUP_V2;
}

/* ---- cgroup_resolve ---- */

static int path_append(char *out, size_t size, size_t *len, const char *comp, size_t n)
{
	if (*len + 1 + n >= size)
		return -1;
	out[(*len)++] = '/';
	memcpy(out + *len, comp, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* "a-b-c.slice" lives at "/a.slice/a-b.slice/a-b-c.slice" (systemd.slice(5)); "-.slice" is the root. */
static int expand_slice(const char *slice, char *out, size_t size, size_t *len)
{
	size_t n = strlen(slice), stem;
	const char *dash;
	char comp[NAME_MAX + 1];

	if (!strcmp(slice, "-.slice"))
		return 0;
	if (n <= 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/'))
		return -1;
	stem = n - 6;
	if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--"))
		return -1;
	for (dash = slice; (dash = memchr(dash, '-', stem - (size_t)(dash - slice))); dash++) {
		size_t k = (size_t)(dash - slice);

		if (k + 6 > NAME_MAX)
			return -1;
		memcpy(comp, slice, k);
		memcpy(comp + k, ".slice", 7);
		if (path_append(out, size, len, comp, k + 6))
			return -1;
	}
	return path_append(out, size, len, slice, n);
}

static char *resolve_systemd(const char *spec, const char *id)
{
	char slice[NAME_MAX + 1], out[PATH_MAX] = "", unit[NAME_MAX + 1];
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *prefix, *name;
	size_t len = 0, plen;

	if (!c2 || strchr(c2 + 1, ':') || (size_t)(c1 - spec) > NAME_MAX)
		goto bad;
	memcpy(slice, spec, (size_t)(c1 - spec));
	slice[c1 - spec] = '\0';
	prefix = c1 + 1;
	plen = (size_t)(c2 - prefix);
	name = *(c2 + 1) ? c2 + 1 : id;
	if (strchr(name, '/') || memchr(prefix, '/', plen))
		goto bad;
	if (expand_slice(*slice ? slice : "system.slice", out, sizeof(out), &len))
		goto bad;
	if ((size_t)snprintf(unit, sizeof(unit), "%.*s%s%s.scope", (int)plen, prefix,
			     plen ? "-" : "", name) >= sizeof(unit))
		goto bad;
	if (path_append(out, sizeof(out), &len, unit, strlen(unit)))
		goto bad;
	return strdup(out);
bad:
	pr_err("config.json: linux.cgroupsPath: \"%s\" is not of the form slice:prefix:name", spec);
	return NULL;
}

static char *resolve_plain(const char *spec)
{
	char out[PATH_MAX] = "";
	const char *p = spec, *end;
	size_t len = 0, n;

	for (; *p; p = end) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (!n)
			continue;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			pr_err("config.json: linux.cgroupsPath: \"%s\": \".\" and \"..\" are not allowed",
			       spec);
			return NULL;
		}
		if (path_append(out, sizeof(out), &len, p, n)) {
			pr_err("config.json: linux.cgroupsPath: \"%s\" is too long", spec);
			return NULL;
		}
	}
	if (!len) {
		pr_err("config.json: linux.cgroupsPath: \"%s\" names the root cgroup", spec);
		return NULL;
	}
	return strdup(out);
}

char *cgroup_resolve(const char *cgroups_path, const char *id)
{
	char buf[NAME_MAX + 2];

	if (!id || !*id || strchr(id, '/') || strlen(id) > NAME_MAX) {
		pr_err("cgroup: container id \"%s\" cannot name a cgroup", id ? id : "");
		return NULL;
	}
	if (cgroups_path && *cgroups_path) {
		if (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))
			return resolve_systemd(cgroups_path, id);
		return resolve_plain(cgroups_path);
	}
	snprintf(buf, sizeof(buf), "/%s", id);
	return strdup(buf);
}

/* ---- cgroup_limits_parse ---- */

static bool present(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v && !json_is_null(v);
}

static int get_opt(const json_t *o, const char *key, const char *path, int64_t min, int64_t max,
		   struct opt64 *out)
{
	if (oj_range(o, key, path, min, max, &out->v))
		return -1;
	out->set = present(o, key);
	return 0;
}

static int get_opt_bool(const json_t *o, const char *key, const char *path, struct opt64 *out)
{
	bool b = false;

	if (oj_bool(o, key, path, &b))
		return -1;
	out->set = present(o, key);
	out->v = b;
	return 0;
}

static int get_u64(const json_t *o, const char *key, const char *path, uint64_t *out)
{
	return oj_uint64(o, key, path, out);
}

/* An int64 that is -1 (unlimited), 0 (unset) or positive. */
static int get_limit(const json_t *o, const char *key, const char *path, int64_t *out)
{
	return oj_range(o, key, path, -1, INT64_MAX, out);
}

static int parse_memory(const json_t *m, struct cgroup_limits *l)
{
	const char *p = RES ".memory";
	int64_t kernel = 0;

	if (get_limit(m, "limit", p, &l->mem.limit) ||
	    get_limit(m, "reservation", p, &l->mem.reservation) ||
	    get_limit(m, "swap", p, &l->mem.swap) || get_limit(m, "kernel", p, &kernel) ||
	    get_limit(m, "kernelTCP", p, &l->mem.kernel_tcp) ||
	    get_opt(m, "swappiness", p, 0, 100, &l->mem.swappiness) ||
	    oj_bool(m, "disableOOMKiller", p, &l->mem.disable_oom) ||
	    get_opt_bool(m, "useHierarchy", p, &l->mem.use_hierarchy) ||
	    oj_bool(m, "checkBeforeUpdate", p, &l->mem.check))
		return -1;
	/* config-linux.md: memory.kernel is deprecated; kernels since 5.16 ignore it. */
	if (kernel)
		pr_warn("config.json: %s.kernel is deprecated and ignored", p);
	if (l->mem.swap > 0 && l->mem.limit <= 0)
		return oj_error(p, "swap", "needs a positive memory.limit (swap is memory+swap)");
	if (l->mem.swap > 0 && l->mem.swap < l->mem.limit)
		return oj_error(p, "swap", "%" PRId64 " is below memory.limit %" PRId64
				" (swap is memory+swap)", l->mem.swap, l->mem.limit);
	l->mem.any = l->mem.limit || l->mem.reservation || l->mem.swap || l->mem.kernel_tcp ||
		     l->mem.swappiness.set || l->mem.disable_oom || l->mem.use_hierarchy.set;
	return 0;
}

static int get_cpuset(const json_t *c, const char *key, char **out)
{
	const char *s = NULL;

	if (oj_string(c, key, RES ".cpu", &s))
		return -1;
	if (!s || !*s)
		return 0;
	if (strspn(s, "0123456789,-") != strlen(s))
		return oj_error(RES ".cpu", key, "\"%s\" is not a list like \"0-3,7\"", s);
	*out = strdup(s);
	return *out ? 0 : oj_error(RES ".cpu", key, "out of memory");
}

static int parse_cpu(const json_t *c, struct cgroup_limits *l)
{
	const char *p = RES ".cpu";
	int64_t shares = 0, period = 0, rt_period = 0;

	if (oj_range(c, "shares", p, 0, SHARES_MAX, &shares) ||
	    get_limit(c, "quota", p, &l->cpu.quota) ||
	    get_opt(c, "burst", p, 0, INT64_MAX, &l->cpu.burst) ||
	    oj_range(c, "period", p, 0, CFS_PERIOD_MAX, &period) ||
	    get_limit(c, "realtimeRuntime", p, &l->cpu.rt_runtime) ||
	    oj_range(c, "realtimePeriod", p, 0, INT64_MAX, &rt_period) ||
	    get_opt(c, "idle", p, 0, 1, &l->cpu.idle) || get_cpuset(c, "cpus", &l->cpuset.cpus) ||
	    get_cpuset(c, "mems", &l->cpuset.mems))
		return -1;
	if (shares && shares < SHARES_MIN)
		return oj_error(p, "shares", "%" PRId64 " is out of range (%d to %d, or 0: unset)",
				shares, SHARES_MIN, SHARES_MAX);
	if (period && period < CFS_PERIOD_MIN)
		return oj_error(p, "period", "%" PRId64 " is out of range (%d to %d)", period,
				CFS_PERIOD_MIN, CFS_PERIOD_MAX);
	l->cpu.shares = (uint64_t)shares;
	l->cpu.period = (uint64_t)period;
	l->cpu.rt_period = (uint64_t)rt_period;
	l->cpu.any = shares || period || rt_period || l->cpu.quota || l->cpu.rt_runtime ||
		     l->cpu.burst.set || l->cpu.idle.set;
	return 0;
}

static int get_weight(const json_t *o, const char *key, const char *path, int64_t *out)
{
	return oj_range(o, key, path, BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX, out);
}

static int get_devnum(const json_t *o, const char *key, const char *path, int64_t *out)
{
	if (!present(o, key))
		return oj_error(path, key, "is required");
	return oj_range(o, key, path, 0, UINT32_MAX, out);
}

static void elem_path(char *buf, size_t size, const char *path, const char *key, size_t i)
{
	snprintf(buf, size, "%s.%s[%zu]", path, key, i);
}

static int parse_weight_devs(const json_t *b, struct cgroup_limits *l)
{
	const char *p = RES ".blockIO";
	json_t *arr = NULL, *e;
	char ep[128];
	size_t i;

	if (oj_array(b, "weightDevice", p, &arr))
		return -1;
	if (!arr)
		return 0;
	l->blk.wdev = calloc(json_array_size(arr) + 1, sizeof(*l->blk.wdev));
	if (!l->blk.wdev)
		return oj_error(p, "weightDevice", "out of memory");
	json_array_foreach(arr, i, e) {
		struct blk_weight *w = &l->blk.wdev[i];

		elem_path(ep, sizeof(ep), p, "weightDevice", i);
		if (!json_is_object(e))
			return oj_error(ep, NULL, "expected an object");
		if (get_devnum(e, "major", ep, &w->major) || get_devnum(e, "minor", ep, &w->minor) ||
		    get_weight(e, "weight", ep, &w->weight) || get_weight(e, "leafWeight", ep, &w->leaf))
			return -1;
		l->blk.n_wdev++;
	}
	return 0;
}

static int parse_rates(const json_t *b, struct cgroup_limits *l, int t)
{
	const char *p = RES ".blockIO", *key = throttle_keys[t];
	json_t *arr = NULL, *e;
	char ep[128];
	size_t i;

	if (oj_array(b, key, p, &arr))
		return -1;
	if (!arr)
		return 0;
	l->blk.rate[t] = calloc(json_array_size(arr) + 1, sizeof(*l->blk.rate[t]));
	if (!l->blk.rate[t])
		return oj_error(p, key, "out of memory");
	json_array_foreach(arr, i, e) {
		struct blk_rate *r = &l->blk.rate[t][i];

		elem_path(ep, sizeof(ep), p, key, i);
		if (!json_is_object(e))
			return oj_error(ep, NULL, "expected an object");
		if (get_devnum(e, "major", ep, &r->major) || get_devnum(e, "minor", ep, &r->minor))
			return -1;
		if (!present(e, "rate"))
			return oj_error(ep, "rate", "is required");
		if (get_u64(e, "rate", ep, &r->rate))
			return -1;
		l->blk.n_rate[t]++;
	}
	return 0;
}

static int parse_blkio(const json_t *b, struct cgroup_limits *l)
{
	const char *p = RES ".blockIO";

	if (get_weight(b, "weight", p, &l->blk.weight) ||
	    get_weight(b, "leafWeight", p, &l->blk.leaf) || parse_weight_devs(b, l))
		return -1;
	for (int t = 0; t < T_NR; t++)
		if (parse_rates(b, l, t))
			return -1;
	l->blk.any = l->blk.weight || l->blk.leaf || l->blk.n_wdev;
	for (int t = 0; t < T_NR; t++)
		l->blk.any |= l->blk.n_rate[t] > 0;
	return 0;
}

/* The kernel names hugetlb files by page size: "64KB", "2MB", "1GB" (hugetlb.rst). */
static bool page_size_ok(const char *s)
{
	size_t d = strspn(s, "0123456789");

	if (!d || s[0] == '0' || strlen(s) != d + 2)
		return false;
	return !strcmp(s + d, "KB") || !strcmp(s + d, "MB") || !strcmp(s + d, "GB");
}

static int parse_hugepages(const json_t *arr, struct cgroup_limits *l)
{
	const char *p = RES;
	json_t *e;
	char ep[128];
	size_t i;

	l->huge = calloc(json_array_size(arr) + 1, sizeof(*l->huge));
	if (!l->huge)
		return oj_error(p, "hugepageLimits", "out of memory");
	json_array_foreach(arr, i, e) {
		struct hugepage *h = &l->huge[i];
		const char *size = NULL;

		elem_path(ep, sizeof(ep), p, "hugepageLimits", i);
		if (!json_is_object(e))
			return oj_error(ep, NULL, "expected an object");
		if (oj_string(e, "pageSize", ep, &size))
			return -1;
		if (!size)
			return oj_error(ep, "pageSize", "is required");
		if (!page_size_ok(size) || strlen(size) >= sizeof(h->size))
			return oj_error(ep, "pageSize", "\"%s\" is not a size like \"2MB\" or \"1GB\"",
					size);
		strcpy(h->size, size);
		if (!present(e, "limit"))
			return oj_error(ep, "limit", "is required");
		if (get_u64(e, "limit", ep, &h->limit))
			return -1;
		l->n_huge++;
	}
	return 0;
}

static int parse_access(const char *s, const char *ep, unsigned *out)
{
	unsigned acc = 0;

	if (!*s)
		return oj_error(ep, "access", "is empty (expected a combination of r, w and m)");
	for (; *s; s++) {
		switch (*s) {
		case 'r': acc |= ACC_R; break;
		case 'w': acc |= ACC_W; break;
		case 'm': acc |= ACC_M; break;
		default:
			return oj_error(ep, "access", "'%c' is not one of r, w, m", *s);
		}
	}
	*out = acc;
	return 0;
}

static int parse_device(const json_t *e, const char *ep, struct dev_rule *r)
{
	const char *type = NULL, *access = NULL;

	if (!json_is_object(e))
		return oj_error(ep, NULL, "expected an object");
	if (!present(e, "allow"))
		return oj_error(ep, "allow", "is required");
	r->major = r->minor = -1;
	r->access = ACC_ALL;
	if (oj_bool(e, "allow", ep, &r->allow) || oj_string(e, "type", ep, &type) ||
	    oj_range(e, "major", ep, -1, UINT32_MAX, &r->major) ||
	    oj_range(e, "minor", ep, -1, UINT32_MAX, &r->minor) ||
	    oj_string(e, "access", ep, &access))
		return -1;
	if (!type)
		type = "a";
	if (strlen(type) != 1 || !strchr("abc", type[0]))
		return oj_error(ep, "type", "\"%s\" is not one of a, b, c", type);
	r->type = type[0];
	return access ? parse_access(access, ep, &r->access) : 0;
}

static int parse_devices(const json_t *arr, struct cgroup_limits *l)
{
	json_t *e;
	char ep[128];
	size_t i;

	l->has_devices = true;
	l->dev = calloc(json_array_size(arr) + 1, sizeof(*l->dev));
	if (!l->dev)
		return oj_error(RES, "devices", "out of memory");
	json_array_foreach(arr, i, e) {
		elem_path(ep, sizeof(ep), RES, "devices", i);
		if (parse_device(e, ep, &l->dev[i]))
			return -1;
		l->n_dev++;
	}
	return 0;
}

/* A cgroup2 interface file's name, "memory.high": one component, never "cgroup.procs" and kin. */
static bool unified_key_ok(const char *k)
{
	return *k && *k != '.' && strchr(k, '.') && !strchr(k, '/') && strcmp(k, "cgroup.procs") &&
	       strcmp(k, "cgroup.threads") && strcmp(k, "cgroup.subtree_control");
}

static int parse_unified(const json_t *u, struct cgroup_limits *l)
{
	const char *p = RES ".unified", *key;
	json_t *v;

	l->unified = calloc(json_object_size(u) + 1, sizeof(*l->unified));
	if (!l->unified)
		return oj_error(RES, "unified", "out of memory");
	json_object_foreach((json_t *)u, key, v) {
		struct kv *kv = &l->unified[l->n_unified];

		if (!unified_key_ok(key))
			return oj_error(p, key, "is not a cgroup v2 interface file a container may set");
		if (!json_is_string(v))
			return oj_error(p, key, "expected a string");
		kv->key = strdup(key);
		kv->val = strdup(json_string_value(v));
		l->n_unified++;
		if (!kv->key || !kv->val)
			return oj_error(p, key, "out of memory");
	}
	return 0;
}

static int parse_all(const json_t *r, struct cgroup_limits *l)
{
	json_t *o = NULL, *a = NULL;

	if (oj_object(r, "memory", RES, &o) || (o && parse_memory(o, l)))
		return -1;
	o = NULL;
	if (oj_object(r, "cpu", RES, &o) || (o && parse_cpu(o, l)))
		return -1;
	o = NULL;
	if (oj_object(r, "pids", RES, &o) || (o && get_limit(o, "limit", RES ".pids", &l->pids)))
		return -1;
	o = NULL;
	if (oj_object(r, "blockIO", RES, &o) || (o && parse_blkio(o, l)))
		return -1;
	if (oj_array(r, "hugepageLimits", RES, &a) || (a && parse_hugepages(a, l)))
		return -1;
	a = NULL;
	if (oj_array(r, "devices", RES, &a) || (a && parse_devices(a, l)))
		return -1;
	o = NULL;
	return oj_object(r, "unified", RES, &o) || (o && parse_unified(o, l)) ? -1 : 0;
}

int cgroup_limits_parse(const json_t *resources, struct cgroup_limits **out)
{
	struct cgroup_limits *l;

	*out = NULL;
	if (!resources || json_is_null(resources))
		return 0;
	if (!json_is_object(resources))
		return oj_error(RES, NULL, "expected an object");
	l = calloc(1, sizeof(*l));
	if (!l)
		return oj_error(RES, NULL, "out of memory");
	if (parse_all(resources, l)) {
		cgroup_limits_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

void cgroup_limits_free(struct cgroup_limits *l)
{
	if (!l)
		return;
	free(l->cpuset.cpus);
	free(l->cpuset.mems);
	free(l->blk.wdev);
	for (int t = 0; t < T_NR; t++)
		free(l->blk.rate[t]);
	free(l->huge);
	free(l->dev);
	for (size_t i = 0; i < l->n_unified; i++) {
		free(l->unified[i].key);
		free(l->unified[i].val);
	}
	free(l->unified);
	free(l);
}

/* ---- conversions to cgroup v2 ---- */

/*
 * cpu.shares [2, 262144] to cpu.weight [1, 10000] on the curve runc and crun
 * use, through (2, 1), (1024, 100) and (262144, 10000). 7/34 is written as
 * 126/612 so that 1024 lands exactly on 100.
 */
static uint64_t shares_to_weight(uint64_t shares)
{
	double l;

	if (!shares)
		return 0;
	if (shares <= SHARES_MIN)
		return 1;
	if (shares >= SHARES_MAX)
		return WEIGHT_V2_MAX;
	l = log2((double)shares);
	return (uint64_t)ceil(pow(10.0, (l * l + 125.0 * l - 126.0) / 612.0));
}

/* blkio weight [10, 1000] to io.weight [1, 10000], linearly. */
static uint64_t blkio_to_io_weight(int64_t w)
{
	return 1 + (uint64_t)(w - BLKIO_WEIGHT_MIN) * (WEIGHT_V2_MAX - 1) /
		       (BLKIO_WEIGHT_MAX - BLKIO_WEIGHT_MIN);
}

/* memory.swap.max holds swap alone; the spec's swap is memory+swap. -1: "max", 0: leave. */
static int64_t swap_v2(int64_t limit, int64_t swap)
{
	if (limit == -1 && swap == 0)
		return -1;
	if (swap <= 0)
		return swap;
	return swap - limit;
}

static void fmt_max(char *buf, int64_t v)
{
	if (v < 0)
		strcpy(buf, "max");
	else
		snprintf(buf, VAL_LEN, "%" PRId64, v);
}

/* ---- device rules: v1 lines and the v2 eBPF program ---- */

static void v1_access(unsigned acc, char *out)
{
	if (acc & ACC_R)
		*out++ = 'r';
	if (acc & ACC_W)
		*out++ = 'w';
	if (acc & ACC_M)
		*out++ = 'm';
	*out = '\0';
}

static void v1_num(int64_t n, char *out)
{
	if (n < 0)
		strcpy(out, "*");
	else
		snprintf(out, 24, "%" PRId64, n);
}

/*
 * The devices.allow/deny lines for @r. In devices.rst an "a" line resets the
 * whole list whatever follows it, so a rule for all types that names a device
 * or part of the access is written as its "c" and "b" halves.
 */
static int v1_dev_lines(const struct dev_rule *r, char lines[2][64])
{
	char acc[4], maj[24], min[24];

	if (r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == ACC_ALL) {
		strcpy(lines[0], "a");
		return 1;
	}
	v1_access(r->access, acc);
	v1_num(r->major, maj);
	v1_num(r->minor, min);
	if (r->type != 'a') {
		snprintf(lines[0], 64, "%c %s:%s %s", r->type, maj, min, acc);
		return 1;
	}
	snprintf(lines[0], 64, "c %s:%s %s", maj, min, acc);
	snprintf(lines[1], 64, "b %s:%s %s", maj, min, acc);
	return 2;
}

enum { BPF_PROLOGUE = 6, BPF_RULE_MAX = 8, BPF_EPILOGUE = 2 };

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static size_t bpf_dev_max(size_t n_rules)
{
	return BPF_PROLOGUE + n_rules * BPF_RULE_MAX + BPF_EPILOGUE;
}

/* A 32-bit compare (the context's fields are u32) jumping to the end of a @size block. */
static void jmp(struct bpf_insn *p, size_t *n, size_t size, uint8_t op, uint8_t reg, int64_t imm)
{
	int16_t off = (int16_t)(size - 1 - *n);

	p[*n] = insn(BPF_JMP32 | op | BPF_K, reg, 0, off, (int32_t)(uint32_t)imm);
	(*n)++;
}

/* The checks of one rule, each jumping past the rest of the block when the request does not match. */
static size_t bpf_dev_rule(const struct dev_rule *r, struct bpf_insn *p)
{
	bool type = r->type != 'a', acc = r->access != ACC_ALL;
	size_t size = type + 3 * acc + (r->major >= 0) + (r->minor >= 0) + 2, n = 0;

	if (type)
		jmp(p, &n, size, BPF_JNE, BPF_REG_2,
		    r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (acc) {
		/* An allow must cover every access asked for; a deny hits if it covers any. */
		p[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		p[n++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0,
			      (int32_t)(r->allow ? ~r->access & ACC_ALL : r->access));
		jmp(p, &n, size, r->allow ? BPF_JNE : BPF_JEQ, BPF_REG_1, 0);
	}
	if (r->major >= 0)
		jmp(p, &n, size, BPF_JNE, BPF_REG_4, r->major);
	if (r->minor >= 0)
		jmp(p, &n, size, BPF_JNE, BPF_REG_5, r->minor);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

/*
 * A BPF_PROG_TYPE_CGROUP_DEVICE program for @rules (cgroup-v2.rst "Device
 * controller"): the last matching rule decides, so the rules are tested from
 * the last; nothing matching is denied. A rule matching everything ends the
 * program, as no rule before it can be reached. @p holds bpf_dev_max(@n).
 */
static size_t bpf_dev_program(const struct dev_rule *rules, size_t n, struct bpf_insn *p)
{
	size_t len = 0;

	/* struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor. */
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
	p[len++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	p[len++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[len++] = insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
	while (n--) {
		const struct dev_rule *r = &rules[n];

		len += bpf_dev_rule(r, p + len);
		if (r->type == 'a' && r->access == ACC_ALL && r->major < 0 && r->minor < 0)
			return len;
	}
	p[len++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[len++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return len;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int bpf_prog_load(const struct bpf_insn *p, size_t n, char *log, size_t log_size)
{
	static const char license[] = "GPL";
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	if (log) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* Loaded quietly; only a refused program is loaded again for the verifier's reason. */
static int bpf_dev_load(const struct bpf_insn *p, size_t n)
{
	char log[BPF_LOG_SIZE] = "";
	int fd = bpf_prog_load(p, n, NULL, 0), e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EACCES || e == EINVAL)
		bpf_prog_load(p, n, log, sizeof(log));
	log[strcspn(log, "\n")] = '\0';
	pr_err("%s.devices: cannot load the eBPF device program: %s%s%s", RES, strerror(e),
	       *log ? ": " : "", log);
	return -1;
}

/* Attach the rules to the cgroup2 directory @dir (kept alive by the attachment). */
static int bpf_dev_attach(const char *dir, const struct dev_rule *rules, size_t n)
{
	struct bpf_insn *p = calloc(bpf_dev_max(n), sizeof(*p));
	union bpf_attr a;
	int prog = -1, dfd = -1, ret = -1;

	if (!p) {
		pr_err("%s.devices: out of memory", RES);
		return -1;
	}
	prog = bpf_dev_load(p, bpf_dev_program(rules, n, p));
	if (prog < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pr_err("%s.devices: cannot open %s: %s", RES, dir, strerror(errno));
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	ret = sys_bpf(BPF_PROG_ATTACH, &a);
	if (ret)
		pr_err("%s.devices: cannot attach the eBPF device program to %s: %s", RES, dir,
		       strerror(errno));
out:
	if (dfd >= 0)
		close(dfd);
	if (prog >= 0)
		close(prog);
	free(p);
	return ret ? -1 : 0;
}

/* ---- writing the files ---- */

static int cg_dir(const struct hier *h, const char *path, char *buf)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s%s", h->mnt, path) >= PATH_MAX) {
		pr_err("cgroup: %s%s: %s", h->mnt, path, strerror(ENAMETOOLONG));
		return -1;
	}
	return 0;
}

static int write_file(const char *dir, const char *file, const char *val, const char *field)
{
	char p[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n = -1;
	int fd, e;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		goto err;
	}
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		goto err;
	n = write(fd, val, len);
	e = errno;
	close(fd);
	errno = e;
	if (n >= 0 && (size_t)n == len)
		return 0;
	if (n >= 0)
		errno = EIO;
err:
	e = errno;
	pr_err("%s%scannot write \"%s\" to %s: %s", field ? field : "", field ? ": " : "", val, p,
	       strerror(e));
	errno = e;
	return -1;
}

static int write_i64(const char *dir, const char *file, int64_t v, const char *field)
{
	char buf[VAL_LEN];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return write_file(dir, file, buf, field);
}

static bool has_file(const char *dir, const char *file)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p))
		return false;
	return access(p, F_OK) == 0;
}

static int check_usage(const char *dir, const char *file, int64_t limit)
{
	char buf[VAL_LEN];

	if (read_file(dir, file, buf, sizeof(buf))) {
		pr_err("%s.memory.checkBeforeUpdate: cannot read %s/%s: %s", RES, dir, file,
		       strerror(errno));
		return -1;
	}
	if (strtoll(buf, NULL, 10) > limit) {
		pr_err("%s.memory.limit: %" PRId64 " is below the current usage %s", RES, limit, buf);
		return -1;
	}
	return 0;
}

static uint64_t as_u64(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* memory.rst: the kernel keeps limit <= memsw, so a limit above the current memsw waits for it. */
static int mem_limits_v1(const char *d, const struct cgroup_limits *l)
{
	const char *memsw = "memory.memsw.limit_in_bytes";
	const char *lf = RES ".memory.limit", *sf = RES ".memory.swap";
	bool swap_first = false;
	char cur[VAL_LEN];

	if (l->mem.swap && !has_file(d, memsw)) {
		pr_err("%s: %s/%s does not exist (swap accounting is off)", sf, d, memsw);
		return -1;
	}
	if (l->mem.swap && l->mem.limit && !read_file(d, memsw, cur, sizeof(cur)))
		swap_first = as_u64(l->mem.limit) > strtoull(cur, NULL, 10);
	if (swap_first && write_i64(d, memsw, l->mem.swap, sf))
		return -1;
	if (l->mem.limit && write_i64(d, "memory.limit_in_bytes", l->mem.limit, lf))
		return -1;
	if (!swap_first && l->mem.swap && write_i64(d, memsw, l->mem.swap, sf))
		return -1;
	return 0;
}

static int apply_memory_v1(const char *d, const struct cgroup_limits *l)
{
	if (l->mem.check && l->mem.limit > 0 && check_usage(d, "memory.usage_in_bytes", l->mem.limit))
		return -1;
	if (mem_limits_v1(d, l))
		return -1;
	if (l->mem.reservation && write_i64(d, "memory.soft_limit_in_bytes", l->mem.reservation,
					    RES ".memory.reservation"))
		return -1;
	if (l->mem.kernel_tcp && write_i64(d, "memory.kmem.tcp.limit_in_bytes", l->mem.kernel_tcp,
					   RES ".memory.kernelTCP"))
		return -1;
	if (l->mem.swappiness.set && write_i64(d, "memory.swappiness", l->mem.swappiness.v,
					       RES ".memory.swappiness"))
		return -1;
	if (l->mem.disable_oom && write_file(d, "memory.oom_control", "1",
					     RES ".memory.disableOOMKiller"))
		return -1;
	if (l->mem.use_hierarchy.set && write_i64(d, "memory.use_hierarchy", l->mem.use_hierarchy.v,
						  RES ".memory.useHierarchy"))
		return -1;
	return 0;
}

static int v2_unsupported(const char *field, const char *why)
{
	pr_err("%s: %s", field, why);
	return -1;
}

static int apply_memory_v2(const char *d, const struct cgroup_limits *l)
{
	char buf[VAL_LEN];
	int64_t swap = swap_v2(l->mem.limit, l->mem.swap);

	if (l->mem.kernel_tcp)
		return v2_unsupported(RES ".memory.kernelTCP", "cgroup v2 has no TCP memory limit");
	if (l->mem.swappiness.set)
		return v2_unsupported(RES ".memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
	if (l->mem.disable_oom)
		return v2_unsupported(RES ".memory.disableOOMKiller",
				      "cgroup v2 cannot disable the OOM killer");
	if (l->mem.use_hierarchy.set && !l->mem.use_hierarchy.v)
		return v2_unsupported(RES ".memory.useHierarchy", "cgroup v2 is always hierarchical");
	if (l->mem.check && l->mem.limit > 0 && check_usage(d, "memory.current", l->mem.limit))
		return -1;
	fmt_max(buf, l->mem.limit);
	if (l->mem.limit && write_file(d, "memory.max", buf, RES ".memory.limit"))
		return -1;
	fmt_max(buf, swap);
	/* An implied "max" (limit -1, swap unset) is skipped where swap is not accounted. */
	if (!l->mem.swap && !has_file(d, "memory.swap.max"))
		swap = 0;
	if (swap && write_file(d, "memory.swap.max", buf, RES ".memory.swap"))
		return -1;
	fmt_max(buf, l->mem.reservation);
	if (l->mem.reservation && write_file(d, "memory.low", buf, RES ".memory.reservation"))
		return -1;
	return 0;
}

static int apply_cpu_v1(const char *d, const struct cgroup_limits *l)
{
	const char *p = RES ".cpu";
	char f[64];

#define CPU_W(cond, file, val, key)                                            \
	do {                                                                   \
		snprintf(f, sizeof(f), "%s.%s", p, key);                       \
		if ((cond) && write_i64(d, file, (int64_t)(val), f))           \
			return -1;                                             \
	} while (0)
	CPU_W(l->cpu.shares, "cpu.shares", l->cpu.shares, "shares");
	CPU_W(l->cpu.period, "cpu.cfs_period_us", l->cpu.period, "period");
	CPU_W(l->cpu.quota, "cpu.cfs_quota_us", l->cpu.quota, "quota");
	CPU_W(l->cpu.burst.set, "cpu.cfs_burst_us", l->cpu.burst.v, "burst");
	/* sched-rt-group.rst: the period must be set before a runtime that needs it. */
	CPU_W(l->cpu.rt_period, "cpu.rt_period_us", l->cpu.rt_period, "realtimePeriod");
	CPU_W(l->cpu.rt_runtime, "cpu.rt_runtime_us", l->cpu.rt_runtime, "realtimeRuntime");
	CPU_W(l->cpu.idle.set, "cpu.idle", l->cpu.idle.v, "idle");
#undef CPU_W
	return 0;
}

static int apply_cpu_v2(const char *d, const struct cgroup_limits *l)
{
	char buf[2 * VAL_LEN], quota[VAL_LEN];

	if (l->cpu.rt_period || l->cpu.rt_runtime)
		return v2_unsupported(RES ".cpu.realtimeRuntime",
				      "cgroup v2 has no real-time bandwidth control");
	if (l->cpu.shares && write_i64(d, "cpu.weight", (int64_t)shares_to_weight(l->cpu.shares),
				       RES ".cpu.shares"))
		return -1;
	if (l->cpu.quota || l->cpu.period) {
		fmt_max(quota, l->cpu.quota ? l->cpu.quota : -1);
		if (l->cpu.period)
			snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, l->cpu.period);
		else
			snprintf(buf, sizeof(buf), "%s", quota);
		if (write_file(d, "cpu.max", buf, RES ".cpu.quota"))
			return -1;
	}
	if (l->cpu.burst.set && write_i64(d, "cpu.max.burst", l->cpu.burst.v, RES ".cpu.burst"))
		return -1;
	if (l->cpu.idle.set && write_i64(d, "cpu.idle", l->cpu.idle.v, RES ".cpu.idle"))
		return -1;
	return 0;
}

static int apply_cpuset(const char *d, const struct cgroup_limits *l)
{
	if (l->cpuset.cpus && write_file(d, "cpuset.cpus", l->cpuset.cpus, RES ".cpu.cpus"))
		return -1;
	if (l->cpuset.mems && write_file(d, "cpuset.mems", l->cpuset.mems, RES ".cpu.mems"))
		return -1;
	return 0;
}

static int apply_pids(const char *d, const struct cgroup_limits *l)
{
	char buf[VAL_LEN];

	fmt_max(buf, l->pids);
	return write_file(d, "pids.max", buf, RES ".pids.limit");
}

static int blk_write(const char *d, const char *file, const char *key, int64_t maj, int64_t min,
		     const char *val)
{
	char buf[2 * VAL_LEN], f[64];

	if ((size_t)snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s", maj, min, val) >=
	    sizeof(buf))
		return -1;
	snprintf(f, sizeof(f), RES ".blockIO.%s", key);
	return write_file(d, file, buf, f);
}

/* Weights: CFQ's blkio.weight is gone from recent kernels, BFQ's blkio.bfq.weight replaces it. */
static const char *blk_weight_file(const char *d, const char *cfq, const char *bfq, const char *key)
{
	if (has_file(d, cfq))
		return cfq;
	if (bfq && has_file(d, bfq))
		return bfq;
	pr_err("%s.blockIO.%s: %s/%s does not exist%s%s (no I/O scheduler with weights)", RES, key, d,
	       cfq, bfq ? " nor " : "", bfq ? bfq : "");
	return NULL;
}

static int apply_blkio_v1(const char *d, const struct cgroup_limits *l)
{
	const char *wf = NULL, *lf = NULL;
	char v[VAL_LEN];
	bool need_w = l->blk.weight, need_l = l->blk.leaf;

	for (size_t i = 0; i < l->blk.n_wdev; i++) {
		need_w |= l->blk.wdev[i].weight > 0;
		need_l |= l->blk.wdev[i].leaf > 0;
	}
	if (need_w && !(wf = blk_weight_file(d, "blkio.weight", "blkio.bfq.weight", "weight")))
		return -1;
	if (need_l && !(lf = blk_weight_file(d, "blkio.leaf_weight", NULL, "leafWeight")))
		return -1;
	if (l->blk.weight && write_i64(d, wf, l->blk.weight, RES ".blockIO.weight"))
		return -1;
	if (l->blk.leaf && write_i64(d, lf, l->blk.leaf, RES ".blockIO.leafWeight"))
		return -1;
	for (size_t i = 0; i < l->blk.n_wdev; i++) {
		const struct blk_weight *w = &l->blk.wdev[i];
		char dev_file[64];

		snprintf(v, sizeof(v), "%" PRId64, w->weight);
		snprintf(dev_file, sizeof(dev_file), "%s_device", wf ? wf : "");
		if (w->weight && blk_write(d, dev_file, "weightDevice", w->major, w->minor, v))
			return -1;
		snprintf(v, sizeof(v), "%" PRId64, w->leaf);
		if (w->leaf && blk_write(d, "blkio.leaf_weight_device", "weightDevice", w->major,
					 w->minor, v))
			return -1;
	}
	for (int t = 0; t < T_NR; t++)
		for (size_t i = 0; i < l->blk.n_rate[t]; i++) {
			const struct blk_rate *r = &l->blk.rate[t][i];

			snprintf(v, sizeof(v), "%" PRIu64, r->rate);
			if (blk_write(d, throttle_v1[t], throttle_keys[t], r->major, r->minor, v))
				return -1;
		}
	return 0;
}

static int apply_blkio_v2(const char *d, const struct cgroup_limits *l)
{
	bool bfq = has_file(d, "io.bfq.weight");
	const char *wf = bfq ? "io.bfq.weight" : "io.weight";
	char v[VAL_LEN];

	if (l->blk.leaf)
		return v2_unsupported(RES ".blockIO.leafWeight", "cgroup v2 has no leaf weights");
	/* io.bfq.weight takes blkio's [1, 1000]; io.weight its own [1, 10000]. */
	if (l->blk.weight) {
		snprintf(v, sizeof(v), "default %" PRIu64,
			 bfq ? (uint64_t)l->blk.weight : blkio_to_io_weight(l->blk.weight));
		if (write_file(d, wf, v, RES ".blockIO.weight"))
			return -1;
	}
	for (size_t i = 0; i < l->blk.n_wdev; i++) {
		const struct blk_weight *w = &l->blk.wdev[i];

		if (w->leaf)
			return v2_unsupported(RES ".blockIO.weightDevice",
					      "cgroup v2 has no leaf weights");
		if (!w->weight)
			continue;
		snprintf(v, sizeof(v), "%" PRIu64,
			 bfq ? (uint64_t)w->weight : blkio_to_io_weight(w->weight));
		if (blk_write(d, wf, "weightDevice", w->major, w->minor, v))
			return -1;
	}
	for (int t = 0; t < T_NR; t++)
		for (size_t i = 0; i < l->blk.n_rate[t]; i++) {
			const struct blk_rate *r = &l->blk.rate[t][i];

			/* cgroup-v2.rst io.max: "max" removes a limit, as 0 does in v1. */
			if (r->rate)
				snprintf(v, sizeof(v), "%s=%" PRIu64, throttle_v2[t], r->rate);
			else
				snprintf(v, sizeof(v), "%s=max", throttle_v2[t]);
			if (blk_write(d, "io.max", throttle_keys[t], r->major, r->minor, v))
				return -1;
		}
	return 0;
}

static int apply_hugetlb(const char *d, bool v2, const struct cgroup_limits *l)
{
	char file[64], field[64];

	for (size_t i = 0; i < l->n_huge; i++) {
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l->huge[i].size,
			 v2 ? "max" : "limit_in_bytes");
		snprintf(field, sizeof(field), RES ".hugepageLimits[%zu]", i);
		if (!has_file(d, file)) {
			pr_err("%s.pageSize: the host has no %s huge pages (%s/%s does not exist)",
			       field, l->huge[i].size, d, file);
			return -1;
		}
		if (write_i64(d, file, (int64_t)l->huge[i].limit, field))
			return -1;
	}
	return 0;
}

/* devices.rst: deny all first, then the rules in order, the later overriding. */
static int apply_devices_v1(const char *d, const struct cgroup_limits *l)
{
	char lines[2][64], field[64];

	if (write_file(d, "devices.deny", "a", RES ".devices"))
		return -1;
	for (size_t i = 0; i < l->n_dev; i++) {
		const struct dev_rule *r = &l->dev[i];
		int n = v1_dev_lines(r, lines);

		snprintf(field, sizeof(field), RES ".devices[%zu]", i);
		for (int k = 0; k < n; k++)
			if (write_file(d, r->allow ? "devices.allow" : "devices.deny", lines[k], field))
				return -1;
	}
	return 0;
}

static int apply_unified(const char *d, const struct cgroup_limits *l)
{
	char field[PATH_MAX];

	for (size_t i = 0; i < l->n_unified; i++) {
		snprintf(field, sizeof(field), RES ".unified.%s", l->unified[i].key);
		if (!has_file(d, l->unified[i].key)) {
			pr_err("%s: %s/%s does not exist (controller not enabled, or no such file)",
			       field, d, l->unified[i].key);
			return -1;
		}
		if (write_file(d, l->unified[i].key, l->unified[i].val, field))
			return -1;
	}
	return 0;
}

/* ---- the plan: which hierarchy each group of limits goes to ---- */

struct group {
	enum ctrl ctrl;
	const char *field;
};

static const struct group groups[] = {
	{ C_MEMORY, RES ".memory" },	{ C_CPU, RES ".cpu" },	   { C_CPUSET, RES ".cpu.cpus" },
	{ C_PIDS, RES ".pids" },	{ C_BLKIO, RES ".blockIO" }, { C_HUGETLB, RES ".hugepageLimits" },
	{ C_DEVICES, RES ".devices" },
};

static bool group_wanted(const struct cgroup_limits *l, enum ctrl c)
{
	switch (c) {
	case C_MEMORY: return l->mem.any;
	case C_CPU: return l->cpu.any;
	case C_CPUSET: return l->cpuset.cpus || l->cpuset.mems;
	case C_PIDS: return l->pids != 0;
	case C_BLKIO: return l->blk.any;
	case C_HUGETLB: return l->n_huge > 0;
	case C_DEVICES: return l->has_devices;
	default: return false;
	}
}

/* The cgroup2 controllers of the unified map: "memory.high" needs memory. */
static int unified_ctrls(const struct mtab *t, const struct cgroup_limits *l, unsigned *out)
{
	const struct hier *v2 = mtab_v2(t);
	char name[64];

	for (size_t i = 0; i < l->n_unified; i++) {
		const char *k = l->unified[i].key;
		size_t n = strcspn(k, ".");
		unsigned bit;

		if (!v2) {
			pr_err("%s.unified.%s: cgroup v2 is not mounted on this host", RES, k);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), k);
		if (!strcmp(name, "cgroup"))
			continue;
		bit = ctrl_bit(name, v2_names);
		if (!(v2->ctrls & bit)) {
			pr_err("%s.unified.%s: the %s controller is not available in %s", RES, k, name,
			       v2->mnt);
			return -1;
		}
		*out |= bit;
	}
	return 0;
}

/* The controllers to enable in the cgroup2 parents; -1 if a limit has nowhere to go. */
static int plan(const struct mtab *t, const struct cgroup_limits *l, unsigned *v2_ctrls)
{
	*v2_ctrls = 0;
	if (!l)
		return 0;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		const struct hier *h;

		if (!group_wanted(l, groups[i].ctrl))
			continue;
		h = mtab_route(t, groups[i].ctrl);
		if (!h) {
			pr_err("%s: the %s controller is not mounted on this host", groups[i].field,
			       v1_names[groups[i].ctrl]);
			return -1;
		}
		if (h->v2 && v2_names[groups[i].ctrl])
			*v2_ctrls |= BIT(groups[i].ctrl);
	}
	return unified_ctrls(t, l, v2_ctrls);
}

static int apply_group(const struct hier *h, const char *d, enum ctrl c,
		       const struct cgroup_limits *l)
{
	switch (c) {
	case C_MEMORY: return h->v2 ? apply_memory_v2(d, l) : apply_memory_v1(d, l);
	case C_CPU: return h->v2 ? apply_cpu_v2(d, l) : apply_cpu_v1(d, l);
	case C_CPUSET: return apply_cpuset(d, l);
	case C_PIDS: return apply_pids(d, l);
	case C_BLKIO: return h->v2 ? apply_blkio_v2(d, l) : apply_blkio_v1(d, l);
	case C_HUGETLB: return apply_hugetlb(d, h->v2, l);
	case C_DEVICES: return h->v2 ? bpf_dev_attach(d, l->dev, l->n_dev) : apply_devices_v1(d, l);
	default: return 0;
	}
}

static int apply_limits(const struct mtab *t, const char *path, const struct cgroup_limits *l)
{
	const struct hier *h;
	char d[PATH_MAX];

	if (!l)
		return 0;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (!group_wanted(l, groups[i].ctrl))
			continue;
		h = mtab_route(t, groups[i].ctrl);
		if (cg_dir(h, path, d) || apply_group(h, d, groups[i].ctrl, l))
			return -1;
	}
	/* Last, so that the unified map overrides the typed fields, as runc does. */
	h = mtab_v2(t);
	if (l->n_unified && (cg_dir(h, path, d) || apply_unified(d, l)))
		return -1;
	return 0;
}

/* ---- creating and joining ---- */

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

/* @fn on each directory from the first below the mount point down to @path. */
static int for_each_level(const struct hier *h, const char *path,
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
	return for_each_level(h, path, make_level, c);
}

static int cpuset_fill_level(const char *d, void *arg)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], val[4096];

	(void)arg;
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(d, '/') - d), d);
	for (int i = 0; i < 2; i++) {
		if (read_file(d, files[i], val, sizeof(val))) {
			pr_err("cgroup: cannot read %s/%s: %s", d, files[i], strerror(errno));
			return -1;
		}
		if (*val)
			continue;
		if (read_file(parent, files[i], val, sizeof(val))) {
			pr_err("cgroup: cannot read %s/%s: %s", parent, files[i], strerror(errno));
			return -1;
		}
		if (write_file(d, files[i], val, NULL))
			return -1;
	}
	return 0;
}

/* cpuset.rst: a cgroup with empty cpus or mems takes no task; fill them from the parent, top down. */
static int cpuset_fill(const struct hier *h, const char *path)
{
	return for_each_level(h, path, cpuset_fill_level, NULL);
}

/* cgroup-v2.rst "Enabling and Disabling": a controller must be on in every parent's subtree_control. */
static int v2_enable(const struct hier *h, const char *path, unsigned ctrls)
{
	char d[PATH_MAX], op[32];
	size_t base = strlen(h->mnt);

	if (!ctrls)
		return 0;
	if (cg_dir(h, path, d))
		return -1;
	*strrchr(d, '/') = '\0';
	for (char *s = d + base;; s++) {
		if (*s && *s != '/')
			continue;
		char save = *s;

		*s = '\0';
		for (int c = 0; c < C_NR; c++) {
			if (!(ctrls & BIT(c)) || !v2_names[c])
				continue;
			snprintf(op, sizeof(op), "+%s", v2_names[c]);
			if (write_file(*d ? d : "/", "cgroup.subtree_control", op, NULL))
				return -1;
		}
		*s = save;
		if (!save)
			return 0;
	}
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
			bits |= ctrl_bit(w, v1_names);
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
	return write_file(d, "cgroup.procs", buf, NULL);
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

/* Absolute, below the root, each component a plain name: what cgroup_resolve makes. */
static bool path_ok(const char *path)
{
	const char *p = path, *end;
	size_t n;

	for (; p && *p == '/'; p = end) {
		end = strchrnul(p + 1, '/');
		n = (size_t)(end - p - 1);
		if (!n || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			break;
		if (!*end)
			return true;
	}
	pr_err("cgroup: \"%s\" is not an absolute cgroup path below the root", path ? path : "");
	return false;
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
	if (!t || !path_ok(path) || plan(t, l, &v2_ctrls) || populated(t, path))
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct hier *h = &t->h[i];

		if (!hier_used(h) || make_path(h, path, &c))
			goto err;
		if (!h->v2 && (h->ctrls & BIT(C_CPUSET)) && cpuset_fill(h, path))
			goto err;
		if (h->v2 && v2_enable(h, path, v2_ctrls))
			goto err;
	}
	if (apply_limits(t, path, l) || join_all(t, path, pid))
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
	if (!t || !path_ok(path))
		return -1;
	return join_all(t, path, pid);
}

/* ---- freezing ---- */

static void nap(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	nanosleep(&ts, NULL);
}

static int v2_frozen(const char *d)
{
	char buf[1024], *line;

	if (read_file(d, "cgroup.events", buf, sizeof(buf))) {
		pr_err("cgroup: cannot read %s/cgroup.events: %s", d, strerror(errno));
		return -1;
	}
	for (line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, "frozen ", 7))
			return line[7] == '1';
	pr_err("cgroup: %s/cgroup.events has no \"frozen\" line (kernel older than 5.2?)", d);
	return -1;
}

static int v1_frozen(const char *d)
{
	char buf[64];

	if (read_file(d, "freezer.state", buf, sizeof(buf))) {
		pr_err("cgroup: cannot read %s/freezer.state: %s", d, strerror(errno));
		return -1;
	}
	return !strcmp(buf, "FROZEN");
}

static int freezer_dir(const char *path, char *d, const struct hier **out)
{
	const struct mtab *t = mtab_get();
	const struct hier *h;

	if (!t || !path_ok(path))
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
		if ((i == 0 || (!h->v2 && i % 10 == 0)) && write_file(d, file, val, NULL))
			return -1;
		state = h->v2 ? v2_frozen(d) : v1_frozen(d);
		if (state < 0)
			return -1;
		if (state == frozen)
			return 0;
		nap(FREEZE_SLEEP_NS);
	}
	pr_err("cgroup: %s did not become %s in time", d, frozen ? "frozen" : "thawed");
	if (frozen)
		write_file(d, file, h->v2 ? "0" : "THAWED", NULL);
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
	return h->v2 ? v2_frozen(d) : v1_frozen(d);
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
	if (!t || !path_ok(path) || cg_dir(list_hier(t), path, d))
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
	if (!t || !path_ok(path))
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
