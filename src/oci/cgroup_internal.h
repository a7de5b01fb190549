/*
 * What the cgroup files share, and no one else uses: the controllers, the
 * mount table's shape, the parsed linux.resources, and the helpers each part
 * offers the others. One job a file:
 *   cgroup.c            the public lifecycle: enter, join, freeze, list, destroy
 *   cgroup_mounts.c     the host's cgroup mounts (/proc/self/mountinfo), a cgroup's directories
 *   cgroup_path.c       cgroupsPath to a cgroup path
 *   cgroup_resources.c  parsing and checking linux.resources
 *   cgroup_apply.c      which hierarchy each limit goes to; writers common to v1 and v2
 *   cgroup_v1.c         the cgroup v1 writers
 *   cgroup_v2.c         the cgroup v2 writers and conversions
 *   cgroup_ebpf.c       the cgroup2 eBPF device program
 *   cgroup_fs.c         reading and writing one interface file
 */
#ifndef VESSEL_OCI_CGROUP_INTERNAL_H
#define VESSEL_OCI_CGROUP_INTERNAL_H

#include "oci/cgroup.h"

#include <limits.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#define RES "linux.resources"
#define MAX_HIER 32
#define VAL_LEN 128
#define SHARES_MIN 2
#define SHARES_MAX 262144
#define BLKIO_WEIGHT_MIN 10
#define BLKIO_WEIGHT_MAX 1000

enum ctrl {
	C_CPU, C_CPUACCT, C_CPUSET, C_MEMORY, C_DEVICES, C_FREEZER, C_BLKIO, C_PIDS,
	C_HUGETLB, C_NET_CLS, C_NET_PRIO, C_PERF_EVENT, C_RDMA, C_MISC, C_NR
};

#define BIT(c) (1u << (c))

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

struct hugepage {
	char size[16];
	uint64_t limit;
};

/* One linux.resources.network.priorities entry: net_prio.ifpriomap's "IFNAME PRIO". */
struct net_prio {
	char ifname[IFNAMSIZ];
	uint32_t prio;
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
	struct {
		uint32_t classid;	/* 0: unset, as runc reads it */
		struct net_prio *prio;
		size_t n_prio;
	} net;
	struct kv *unified;
	size_t n_unified;
};

/* Each controller's name in a v1 mount's options and in cgroup2's cgroup.controllers (NULL: none). */
extern const char *const cg_v1_names[C_NR];
extern const char *const cg_v2_names[C_NR];
/* The linux.resources.blockIO key of each throttle. */
extern const char *const cg_throttle_keys[T_NR];

/* cgroup_mounts.c */
unsigned cg_ctrl_bit(const char *name, const char *const names[C_NR]);
int mtab_parse(FILE *f, struct mtab *t);
enum cgroup_mode mtab_mode(const struct mtab *t);
const struct hier *mtab_v2(const struct mtab *t);
const struct hier *mtab_v1(const struct mtab *t, enum ctrl c);
const struct hier *mtab_route(const struct mtab *t, enum ctrl c);
bool hier_used(const struct hier *h);
/* The host's mount table, read once; NULL (reported) if it has no cgroup mount. */
const struct mtab *mtab_get(void);
/* @buf (PATH_MAX) is @path's directory in @h. */
int cg_dir(const struct hier *h, const char *path, char *buf);

/* @fn on each directory from the first below @h's mount point down to @path. */
int cg_for_each_level(const struct hier *h, const char *path,
		      int (*fn)(const char *dir, void *arg), void *arg);

/* cgroup_path.c: whether @path is what cgroup_resolve makes (reported if not). */
bool cg_path_ok(const char *path);

/* cgroup_resources.c */
bool cg_page_size_ok(const char *s);

/* cgroup_fs.c: @field (may be NULL) is the config field an error names. */
int cg_read_file(const char *dir, const char *file, char *buf, size_t size);
int cg_write_file(const char *dir, const char *file, const char *val, const char *field);
int cg_write_i64(const char *dir, const char *file, int64_t v, const char *field);
bool cg_has_file(const char *dir, const char *file);

/* cgroup_apply.c */
void cg_fmt_max(char *buf, int64_t v);
int cg_check_usage(const char *dir, const char *file, int64_t limit);
int cg_blk_write(const char *d, const char *file, const char *key, int64_t maj, int64_t min,
		 const char *val);
int cg_plan(const struct mtab *t, const struct cgroup_limits *l, unsigned *v2_ctrls);
int cg_apply(const struct mtab *t, const char *path, const struct cgroup_limits *l);

/* cgroup_v1.c */
int cg_v1_dev_lines(const struct dev_rule *r, char lines[2][64]);
int cg_v1_memory(const char *d, const struct cgroup_limits *l);
int cg_v1_cpu(const char *d, const struct cgroup_limits *l);
int cg_v1_blkio(const char *d, const struct cgroup_limits *l);
int cg_v1_devices(const char *d, const struct cgroup_limits *l);
int cg_v1_net_cls(const char *d, const struct cgroup_limits *l);
int cg_v1_net_prio(const char *d, const struct cgroup_limits *l);
int cg_v1_cpuset_fill(const struct hier *h, const char *path);
int cg_v1_frozen(const char *d);

/* cgroup_v2.c */
uint64_t cg_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_to_io_weight(int64_t w);
int64_t cg_swap_v2(int64_t limit, int64_t swap);
int cg_v2_memory(const char *d, const struct cgroup_limits *l);
int cg_v2_cpu(const char *d, const struct cgroup_limits *l);
int cg_v2_blkio(const char *d, const struct cgroup_limits *l);
int cg_v2_unified(const char *d, const struct cgroup_limits *l);
int cg_v2_unified_ctrls(const struct mtab *t, const struct cgroup_limits *l, unsigned *out);
int cg_v2_enable(const struct hier *h, const char *path, unsigned ctrls);
int cg_v2_frozen(const char *d);

/* cgroup_ebpf.c */
size_t cg_bpf_dev_max(size_t n_rules);
size_t cg_bpf_dev_program(const struct dev_rule *rules, size_t n, struct bpf_insn *p);
int cg_bpf_dev_attach(const char *dir, const struct dev_rule *rules, size_t n);

#endif
