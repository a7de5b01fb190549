/*
 * Which hierarchy each group of limits goes to (its v1 controller, else
 * cgroup2), checked before anything is made, and the writing of them; with
 * the writers whose files are the same under v1 and v2.
 */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void cg_fmt_max(char *buf, int64_t v)
{
	if (v < 0)
		strcpy(buf, "max");
	else
		snprintf(buf, VAL_LEN, "%" PRId64, v);
}

int cg_check_usage(const char *dir, const char *file, int64_t limit)
{
	char buf[VAL_LEN];

	if (cg_read_file(dir, file, buf, sizeof(buf))) {
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

static int apply_cpuset(const char *d, const struct cgroup_limits *l)
{
	if (l->cpuset.cpus && cg_write_file(d, "cpuset.cpus", l->cpuset.cpus, RES ".cpu.cpus"))
		return -1;
	if (l->cpuset.mems && cg_write_file(d, "cpuset.mems", l->cpuset.mems, RES ".cpu.mems"))
		return -1;
	return 0;
}

static int apply_pids(const char *d, const struct cgroup_limits *l)
{
	char buf[VAL_LEN];

	cg_fmt_max(buf, l->pids);
	return cg_write_file(d, "pids.max", buf, RES ".pids.limit");
}

int cg_blk_write(const char *d, const char *file, const char *key, int64_t maj, int64_t min,
		     const char *val)
{
	char buf[2 * VAL_LEN], f[64];

	if ((size_t)snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s", maj, min, val) >=
	    sizeof(buf))
		return -1;
	snprintf(f, sizeof(f), RES ".blockIO.%s", key);
	return cg_write_file(d, file, buf, f);
}

static int apply_hugetlb(const char *d, bool v2, const struct cgroup_limits *l)
{
	char file[64], field[64];

	for (size_t i = 0; i < l->n_huge; i++) {
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l->huge[i].size,
			 v2 ? "max" : "limit_in_bytes");
		snprintf(field, sizeof(field), RES ".hugepageLimits[%zu]", i);
		if (!cg_has_file(d, file)) {
			pr_err("%s.pageSize: the host has no %s huge pages (%s/%s does not exist)",
			       field, l->huge[i].size, d, file);
			return -1;
		}
		if (cg_write_i64(d, file, (int64_t)l->huge[i].limit, field))
			return -1;
	}
	return 0;
}

/* ---- the plan: which hierarchy each group of limits goes to ---- */

struct group {
	enum ctrl ctrl;
	const char *field;
	bool v1_only;	/* cgroup2 has no such controller */
};

static const struct group groups[] = {
	{ C_MEMORY, RES ".memory", false },
	{ C_CPU, RES ".cpu", false },
	{ C_CPUSET, RES ".cpu.cpus", false },
	{ C_PIDS, RES ".pids", false },
	{ C_BLKIO, RES ".blockIO", false },
	{ C_HUGETLB, RES ".hugepageLimits", false },
	{ C_DEVICES, RES ".devices", false },
	{ C_NET_CLS, RES ".network.classID", true },
	{ C_NET_PRIO, RES ".network.priorities", true },
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
	case C_NET_CLS: return l->net.classid != 0;
	case C_NET_PRIO: return l->net.n_prio > 0;
	default: return false;
	}
}

/* The controllers to enable in the cgroup2 parents; -1 if a limit has nowhere to go. */
int cg_plan(const struct mtab *t, const struct cgroup_limits *l, unsigned *v2_ctrls)
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
			pr_err("%s: the %s controller is not mounted on this host%s", groups[i].field,
			       cg_v1_names[groups[i].ctrl],
			       groups[i].v1_only ? " (a cgroup v1 controller: cgroup v2 has none)" : "");
			return -1;
		}
		if (h->v2 && cg_v2_names[groups[i].ctrl])
			*v2_ctrls |= BIT(groups[i].ctrl);
	}
	return cg_v2_unified_ctrls(t, l, v2_ctrls);
}

static int apply_group(const struct hier *h, const char *d, enum ctrl c,
		       const struct cgroup_limits *l)
{
	switch (c) {
	case C_MEMORY: return h->v2 ? cg_v2_memory(d, l) : cg_v1_memory(d, l);
	case C_CPU: return h->v2 ? cg_v2_cpu(d, l) : cg_v1_cpu(d, l);
	case C_CPUSET: return apply_cpuset(d, l);
	case C_PIDS: return apply_pids(d, l);
	case C_BLKIO: return h->v2 ? cg_v2_blkio(d, l) : cg_v1_blkio(d, l);
	case C_HUGETLB: return apply_hugetlb(d, h->v2, l);
	case C_DEVICES: return h->v2 ? cg_bpf_dev_attach(d, l->dev, l->n_dev) : cg_v1_devices(d, l);
	case C_NET_CLS: return cg_v1_net_cls(d, l);
	case C_NET_PRIO: return cg_v1_net_prio(d, l);
	default: return 0;
	}
}

int cg_apply(const struct mtab *t, const char *path, const struct cgroup_limits *l)
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
	if (l->n_unified && (cg_dir(h, path, d) || cg_v2_unified(d, l)))
		return -1;
	return 0;
}
