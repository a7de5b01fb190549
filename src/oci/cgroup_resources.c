/* Parsing and checking linux.resources (config-linux.md "Control groups") into struct cgroup_limits. */
#include "oci/cgroup_internal.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CFS_PERIOD_MIN 1000
#define CFS_PERIOD_MAX 1000000

const char *const cg_throttle_keys[T_NR] = {
	"throttleReadBpsDevice", "throttleWriteBpsDevice",
	"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};

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
	const char *p = RES ".blockIO", *key = cg_throttle_keys[t];
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
bool cg_page_size_ok(const char *s)
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
		if (!cg_page_size_ok(size) || strlen(size) >= sizeof(h->size))
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

/* net/core/dev.c dev_valid_name(): what the kernel takes as an interface name. */
static bool ifname_ok(const char *s)
{
	if (!*s || strlen(s) >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int parse_priority(const json_t *e, const char *ep, struct net_prio *np)
{
	const char *name = NULL;
	int64_t prio = 0;

	if (!json_is_object(e))
		return oj_error(ep, NULL, "expected an object");
	if (!present(e, "name"))
		return oj_error(ep, "name", "is required");
	if (oj_string(e, "name", ep, &name))
		return -1;
	if (!ifname_ok(name))
		return oj_error(ep, "name", "\"%s\" is not an interface name (1 to %d characters, "
				"no '/', ':' or white space)", name, IFNAMSIZ - 1);
	if (!present(e, "priority"))
		return oj_error(ep, "priority", "is required");
	if (oj_range(e, "priority", ep, 0, UINT32_MAX, &prio))
		return -1;
	strcpy(np->ifname, name);
	np->prio = (uint32_t)prio;
	return 0;
}

/* config-linux.md "Network": net_cls's classid and net_prio's per-interface priorities. */
static int parse_network(const json_t *n, struct cgroup_limits *l)
{
	const char *p = RES ".network";
	int64_t classid = 0;
	json_t *arr = NULL, *e;
	char ep[128];
	size_t i;

	if (oj_range(n, "classID", p, 0, UINT32_MAX, &classid) ||
	    oj_array(n, "priorities", p, &arr))
		return -1;
	l->net.classid = (uint32_t)classid;
	if (!arr)
		return 0;
	l->net.prio = calloc(json_array_size(arr) + 1, sizeof(*l->net.prio));
	if (!l->net.prio)
		return oj_error(p, "priorities", "out of memory");
	json_array_foreach(arr, i, e) {
		elem_path(ep, sizeof(ep), p, "priorities", i);
		if (parse_priority(e, ep, &l->net.prio[i]))
			return -1;
		l->net.n_prio++;
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
	if (oj_object(r, "network", RES, &o) || (o && parse_network(o, l)))
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
	free(l->net.prio);
	for (size_t i = 0; i < l->n_unified; i++) {
		free(l->unified[i].key);
		free(l->unified[i].val);
	}
	free(l->unified);
	free(l);
}
