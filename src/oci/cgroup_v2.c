/* The cgroup v2 writers (cgroup-v2.rst) and the conversions of v1-style values to v2's. */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WEIGHT_V2_MAX 10000

static const char *const throttle_v2[T_NR] = { "rbps", "wbps", "riops", "wiops" };

/*
 * cpu.shares [2, 262144] to cpu.weight [1, 10000] on the curve runc and crun
 * use, through (2, 1), (1024, 100) and (262144, 10000). 7/34 is written as
 * 126/612 so that 1024 lands exactly on 100.
 */
uint64_t cg_shares_to_weight(uint64_t shares)
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
uint64_t cg_blkio_to_io_weight(int64_t w)
{
	return 1 + (uint64_t)(w - BLKIO_WEIGHT_MIN) * (WEIGHT_V2_MAX - 1) /
		       (BLKIO_WEIGHT_MAX - BLKIO_WEIGHT_MIN);
}

/* memory.swap.max holds swap alone; the spec's swap is memory+swap. -1: "max", 0: leave. */
int64_t cg_swap_v2(int64_t limit, int64_t swap)
{
	if (limit == -1 && swap == 0)
		return -1;
	if (swap <= 0)
		return swap;
	return swap - limit;
}

static int v2_unsupported(const char *field, const char *why)
{
	pr_err("%s: %s", field, why);
	return -1;
}

int cg_v2_memory(const char *d, const struct cgroup_limits *l)
{
	char buf[VAL_LEN];
	int64_t swap = cg_swap_v2(l->mem.limit, l->mem.swap);

	if (l->mem.kernel_tcp)
		return v2_unsupported(RES ".memory.kernelTCP", "cgroup v2 has no TCP memory limit");
	if (l->mem.swappiness.set)
		return v2_unsupported(RES ".memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
	if (l->mem.disable_oom)
		return v2_unsupported(RES ".memory.disableOOMKiller",
				      "cgroup v2 cannot disable the OOM killer");
	if (l->mem.use_hierarchy.set && !l->mem.use_hierarchy.v)
		return v2_unsupported(RES ".memory.useHierarchy", "cgroup v2 is always hierarchical");
	if (l->mem.check && l->mem.limit > 0 && cg_check_usage(d, "memory.current", l->mem.limit))
		return -1;
	cg_fmt_max(buf, l->mem.limit);
	if (l->mem.limit && cg_write_file(d, "memory.max", buf, RES ".memory.limit"))
		return -1;
	cg_fmt_max(buf, swap);
	/* An implied "max" (limit -1, swap unset) is skipped where swap is not accounted. */
	if (!l->mem.swap && !cg_has_file(d, "memory.swap.max"))
		swap = 0;
	if (swap && cg_write_file(d, "memory.swap.max", buf, RES ".memory.swap"))
		return -1;
	cg_fmt_max(buf, l->mem.reservation);
	if (l->mem.reservation && cg_write_file(d, "memory.low", buf, RES ".memory.reservation"))
		return -1;
	return 0;
}

int cg_v2_cpu(const char *d, const struct cgroup_limits *l)
{
	char buf[2 * VAL_LEN], quota[VAL_LEN];

	if (l->cpu.rt_period || l->cpu.rt_runtime)
		return v2_unsupported(RES ".cpu.realtimeRuntime",
				      "cgroup v2 has no real-time bandwidth control");
	if (l->cpu.shares && cg_write_i64(d, "cpu.weight", (int64_t)cg_shares_to_weight(l->cpu.shares),
				       RES ".cpu.shares"))
		return -1;
	if (l->cpu.quota || l->cpu.period) {
		cg_fmt_max(quota, l->cpu.quota ? l->cpu.quota : -1);
		if (l->cpu.period)
			snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, l->cpu.period);
		else
			snprintf(buf, sizeof(buf), "%s", quota);
		if (cg_write_file(d, "cpu.max", buf, RES ".cpu.quota"))
			return -1;
	}
	if (l->cpu.burst.set && cg_write_i64(d, "cpu.max.burst", l->cpu.burst.v, RES ".cpu.burst"))
		return -1;
	if (l->cpu.idle.set && cg_write_i64(d, "cpu.idle", l->cpu.idle.v, RES ".cpu.idle"))
		return -1;
	return 0;
}

int cg_v2_blkio(const char *d, const struct cgroup_limits *l)
{
	bool bfq = cg_has_file(d, "io.bfq.weight");
	const char *wf = bfq ? "io.bfq.weight" : "io.weight";
	char v[VAL_LEN];

	if (l->blk.leaf)
		return v2_unsupported(RES ".blockIO.leafWeight", "cgroup v2 has no leaf weights");
	/* io.bfq.weight takes blkio's [1, 1000]; io.weight its own [1, 10000]. */
	if (l->blk.weight) {
		snprintf(v, sizeof(v), "default %" PRIu64,
			 bfq ? (uint64_t)l->blk.weight : cg_blkio_to_io_weight(l->blk.weight));
		if (cg_write_file(d, wf, v, RES ".blockIO.weight"))
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
			 bfq ? (uint64_t)w->weight : cg_blkio_to_io_weight(w->weight));
		if (cg_blk_write(d, wf, "weightDevice", w->major, w->minor, v))
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
			if (cg_blk_write(d, "io.max", cg_throttle_keys[t], r->major, r->minor, v))
				return -1;
		}
	return 0;
}

int cg_v2_unified(const char *d, const struct cgroup_limits *l)
{
	char field[PATH_MAX];

	for (size_t i = 0; i < l->n_unified; i++) {
		snprintf(field, sizeof(field), RES ".unified.%s", l->unified[i].key);
		if (!cg_has_file(d, l->unified[i].key)) {
			pr_err("%s: %s/%s does not exist (controller not enabled, or no such file)",
			       field, d, l->unified[i].key);
			return -1;
		}
		if (cg_write_file(d, l->unified[i].key, l->unified[i].val, field))
			return -1;
	}
	return 0;
}

/* The cgroup2 controllers of the unified map: "memory.high" needs memory. */
int cg_v2_unified_ctrls(const struct mtab *t, const struct cgroup_limits *l, unsigned *out)
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
		bit = cg_ctrl_bit(name, cg_v2_names);
		if (!(v2->ctrls & bit)) {
			pr_err("%s.unified.%s: the %s controller is not available in %s", RES, k, name,
			       v2->mnt);
			return -1;
		}
		*out |= bit;
	}
	return 0;
}

/* cgroup-v2.rst "Enabling and Disabling": a controller must be on in every parent's subtree_control. */
int cg_v2_enable(const struct hier *h, const char *path, unsigned ctrls)
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
			if (!(ctrls & BIT(c)) || !cg_v2_names[c])
				continue;
			snprintf(op, sizeof(op), "+%s", cg_v2_names[c]);
			if (cg_write_file(*d ? d : "/", "cgroup.subtree_control", op, NULL))
				return -1;
		}
		*s = save;
		if (!save)
			return 0;
	}
}

int cg_v2_frozen(const char *d)
{
	char buf[1024], *line;

	if (cg_read_file(d, "cgroup.events", buf, sizeof(buf))) {
		pr_err("cgroup: cannot read %s/cgroup.events: %s", d, strerror(errno));
		return -1;
	}
	for (line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, "frozen ", 7))
			return line[7] == '1';
	pr_err("cgroup: %s/cgroup.events has no \"frozen\" line (kernel older than 5.2?)", d);
	return -1;
}
