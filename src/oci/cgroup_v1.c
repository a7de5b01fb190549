/* The cgroup v1 writers: one controller's files each (Documentation/admin-guide/cgroup-v1/). */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const throttle_v1[T_NR] = {
	"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
};

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
int cg_v1_dev_lines(const struct dev_rule *r, char lines[2][64])
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

	if (l->mem.swap && !cg_has_file(d, memsw)) {
		pr_err("%s: %s/%s does not exist (swap accounting is off)", sf, d, memsw);
		return -1;
	}
	if (l->mem.swap && l->mem.limit && !cg_read_file(d, memsw, cur, sizeof(cur)))
		swap_first = as_u64(l->mem.limit) > strtoull(cur, NULL, 10);
	if (swap_first && cg_write_i64(d, memsw, l->mem.swap, sf))
		return -1;
	if (l->mem.limit && cg_write_i64(d, "memory.limit_in_bytes", l->mem.limit, lf))
		return -1;
	if (!swap_first && l->mem.swap && cg_write_i64(d, memsw, l->mem.swap, sf))
		return -1;
	return 0;
}

int cg_v1_memory(const char *d, const struct cgroup_limits *l)
{
	if (l->mem.check && l->mem.limit > 0 && cg_check_usage(d, "memory.usage_in_bytes", l->mem.limit))
		return -1;
	if (mem_limits_v1(d, l))
		return -1;
	if (l->mem.reservation && cg_write_i64(d, "memory.soft_limit_in_bytes", l->mem.reservation,
					    RES ".memory.reservation"))
		return -1;
	if (l->mem.kernel_tcp && cg_write_i64(d, "memory.kmem.tcp.limit_in_bytes", l->mem.kernel_tcp,
					   RES ".memory.kernelTCP"))
		return -1;
	if (l->mem.swappiness.set && cg_write_i64(d, "memory.swappiness", l->mem.swappiness.v,
					       RES ".memory.swappiness"))
		return -1;
	if (l->mem.disable_oom && cg_write_file(d, "memory.oom_control", "1",
					     RES ".memory.disableOOMKiller"))
		return -1;
	if (l->mem.use_hierarchy.set && cg_write_i64(d, "memory.use_hierarchy", l->mem.use_hierarchy.v,
						  RES ".memory.useHierarchy"))
		return -1;
	return 0;
}

int cg_v1_cpu(const char *d, const struct cgroup_limits *l)
{
	const char *p = RES ".cpu";
	char f[64];

#define CPU_W(cond, file, val, key)                                            \
	do {                                                                   \
		snprintf(f, sizeof(f), "%s.%s", p, key);                       \
		if ((cond) && cg_write_i64(d, file, (int64_t)(val), f))           \
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

/* Weights: CFQ's blkio.weight is gone from recent kernels, BFQ's blkio.bfq.weight replaces it. */
static const char *blk_weight_file(const char *d, const char *cfq, const char *bfq, const char *key)
{
	if (cg_has_file(d, cfq))
		return cfq;
	if (bfq && cg_has_file(d, bfq))
		return bfq;
	pr_err("%s.blockIO.%s: %s/%s does not exist%s%s (no I/O scheduler with weights)", RES, key, d,
	       cfq, bfq ? " nor " : "", bfq ? bfq : "");
	return NULL;
}

int cg_v1_blkio(const char *d, const struct cgroup_limits *l)
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
	if (l->blk.weight && cg_write_i64(d, wf, l->blk.weight, RES ".blockIO.weight"))
		return -1;
	if (l->blk.leaf && cg_write_i64(d, lf, l->blk.leaf, RES ".blockIO.leafWeight"))
		return -1;
	for (size_t i = 0; i < l->blk.n_wdev; i++) {
		const struct blk_weight *w = &l->blk.wdev[i];
		char dev_file[64];

		snprintf(v, sizeof(v), "%" PRId64, w->weight);
		snprintf(dev_file, sizeof(dev_file), "%s_device", wf ? wf : "");
		if (w->weight && cg_blk_write(d, dev_file, "weightDevice", w->major, w->minor, v))
			return -1;
		snprintf(v, sizeof(v), "%" PRId64, w->leaf);
		if (w->leaf && cg_blk_write(d, "blkio.leaf_weight_device", "weightDevice", w->major,
					 w->minor, v))
			return -1;
	}
	for (int t = 0; t < T_NR; t++)
		for (size_t i = 0; i < l->blk.n_rate[t]; i++) {
			const struct blk_rate *r = &l->blk.rate[t][i];

			snprintf(v, sizeof(v), "%" PRIu64, r->rate);
			if (cg_blk_write(d, throttle_v1[t], cg_throttle_keys[t], r->major, r->minor, v))
				return -1;
		}
	return 0;
}

/* devices.rst: deny all first, then the rules in order, the later overriding. */
int cg_v1_devices(const char *d, const struct cgroup_limits *l)
{
	char lines[2][64], field[64];

	if (cg_write_file(d, "devices.deny", "a", RES ".devices"))
		return -1;
	for (size_t i = 0; i < l->n_dev; i++) {
		const struct dev_rule *r = &l->dev[i];
		int n = cg_v1_dev_lines(r, lines);

		snprintf(field, sizeof(field), RES ".devices[%zu]", i);
		for (int k = 0; k < n; k++)
			if (cg_write_file(d, r->allow ? "devices.allow" : "devices.deny", lines[k], field))
				return -1;
	}
	return 0;
}

/* net_cls.rst: the class id tags the cgroup's packets, for tc and iptables. */
int cg_v1_net_cls(const char *d, const struct cgroup_limits *l)
{
	return cg_write_i64(d, "net_cls.classid", l->net.classid, RES ".network.classID");
}

/*
 * net_prio.rst: one "IFNAME PRIO" a write. The kernel looks the name up in the
 * writer's network namespace, the runtime's (as in runc and crun): an
 * interface it does not have there is an error (ENODEV).
 */
int cg_v1_net_prio(const char *d, const struct cgroup_limits *l)
{
	char line[IFNAMSIZ + 16], field[64];

	for (size_t i = 0; i < l->net.n_prio; i++) {
		snprintf(line, sizeof(line), "%s %" PRIu32, l->net.prio[i].ifname, l->net.prio[i].prio);
		snprintf(field, sizeof(field), RES ".network.priorities[%zu]", i);
		if (cg_write_file(d, "net_prio.ifpriomap", line, field))
			return -1;
	}
	return 0;
}

static int cpuset_fill_level(const char *d, void *arg)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], val[4096];

	(void)arg;
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(d, '/') - d), d);
	for (int i = 0; i < 2; i++) {
		if (cg_read_file(d, files[i], val, sizeof(val))) {
			pr_err("cgroup: cannot read %s/%s: %s", d, files[i], strerror(errno));
			return -1;
		}
		if (*val)
			continue;
		if (cg_read_file(parent, files[i], val, sizeof(val))) {
			pr_err("cgroup: cannot read %s/%s: %s", parent, files[i], strerror(errno));
			return -1;
		}
		if (cg_write_file(d, files[i], val, NULL))
			return -1;
	}
	return 0;
}

/* cpuset.rst: a cgroup with empty cpus or mems takes no task; fill them from the parent, top down. */
int cg_v1_cpuset_fill(const struct hier *h, const char *path)
{
	return cg_for_each_level(h, path, cpuset_fill_level, NULL);
}

int cg_v1_frozen(const char *d)
{
	char buf[64];

	if (cg_read_file(d, "freezer.state", buf, sizeof(buf))) {
		pr_err("cgroup: cannot read %s/freezer.state: %s", d, strerror(errno));
		return -1;
	}
	return !strcmp(buf, "FROZEN");
}
