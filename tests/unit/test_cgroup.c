/*
 * Container cgroups: the pure parts (mount table, path forms, config parsing,
 * v2 conversions, device rules as v1 lines and as the v2 eBPF program).
 * Tested through oci/cgroup_internal.h, the interface the cgroup files share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oci/cgroup_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- capturing what pr_err says ---- */

static char said[4096];
static int saved_stderr = -1;

static void hush(void)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(f), 2);
	fclose(f);
}

static const char *heard(void)
{
	ssize_t n;

	fflush(stderr);
	lseek(2, 0, SEEK_SET);
	n = read(2, said, sizeof(said) - 1);
	said[n > 0 ? n : 0] = '\0';
	dup2(saved_stderr, 2);
	close(saved_stderr);
	return said;
}

static struct cgroup_limits *parse_ok(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	struct cgroup_limits *l = NULL;

	assert_non_null(j);
	assert_int_equal(cgroup_limits_parse(j, &l), 0);
	json_decref(j);
	return l;
}

/* Parse @text, which must fail with a message containing @want. */
static void parse_bad(const char *text, const char *want)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	struct cgroup_limits *l = (void *)1;
	int ret;

	assert_non_null(j);
	hush();
	ret = cgroup_limits_parse(j, &l);
	heard();
	json_decref(j);
	assert_int_equal(ret, -1);
	assert_null(l);
	if (!strstr(said, want))
		fail_msg("\"%s\" does not say \"%s\"", said, want);
}

/* ---- mount table ---- */

static const char hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char comounted[] =
	"22 20 0:19 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"24 22 0:21 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:6 - cgroup cgroup rw,cpu,cpuacct\n"
	"25 22 0:22 / /sys/fs/cgroup/memory rw,nosuid shared:7 - cgroup cgroup rw,memory\n"
	"26 22 0:23 / /sys/fs/cgroup/pids rw shared:8 - cgroup cgroup rw,pids\n"
	"27 22 0:24 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
	"28 22 0:22 / /mnt/again\\040memory rw - cgroup cgroup rw,memory\n"
	"29 22 0:25 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n";

static const char pure_v2[] =
	"21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

static struct mtab load(const char *text)
{
	struct mtab t;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	mtab_parse(f, &t);
	fclose(f);
	return t;
}

static void test_mtab_hybrid(void **state)
{
	struct mtab t = load(hybrid);
	const struct hier *h;

	(void)state;
	assert_int_equal(t.n, 10);
	assert_int_equal(mtab_mode(&t), CGROUP_HYBRID);
	h = mtab_v2(&t);
	assert_non_null(h);
	assert_string_equal(h->mnt, "/sys/fs/cgroup/unified");
	assert_string_equal(mtab_v1(&t, C_MEMORY)->mnt, "/sys/fs/cgroup/memory");
	assert_true(t.h[8].systemd && !t.h[8].ctrls);
	assert_true(hier_used(&t.h[8]));
	/* hugetlb is offered by the cgroup2 mount only, as on the build host. */
	t.h[9].ctrls = BIT(C_HUGETLB);
	assert_ptr_equal(mtab_route(&t, C_HUGETLB), &t.h[9]);
	assert_ptr_equal(mtab_route(&t, C_MEMORY), mtab_v1(&t, C_MEMORY));
	assert_ptr_equal(mtab_route(&t, C_DEVICES), mtab_v1(&t, C_DEVICES));
	assert_null(mtab_route(&t, C_RDMA));
}

static void test_mtab_comounted(void **state)
{
	struct mtab t = load(comounted);

	(void)state;
	/* the second mount of memory (same device) is not a hierarchy of its own */
	assert_int_equal(t.n, 5);
	assert_int_equal(mtab_mode(&t), CGROUP_V1);
	assert_string_equal(mtab_v1(&t, C_CPU)->mnt, "/sys/fs/cgroup/cpu,cpuacct");
	assert_ptr_equal(mtab_v1(&t, C_CPU), mtab_v1(&t, C_CPUACCT));
	assert_null(mtab_v2(&t));
	assert_null(mtab_route(&t, C_HUGETLB));
	assert_null(mtab_route(&t, C_CPUSET));
}

static void test_mtab_v2(void **state)
{
	struct mtab t = load(pure_v2);
	const struct hier *h;

	(void)state;
	assert_int_equal(t.n, 1);
	assert_int_equal(mtab_mode(&t), CGROUP_V2);
	h = mtab_v2(&t);
	t.h[0].ctrls = BIT(C_MEMORY) | BIT(C_PIDS);
	assert_ptr_equal(mtab_route(&t, C_MEMORY), h);
	assert_ptr_equal(mtab_route(&t, C_DEVICES), h);
	assert_ptr_equal(mtab_route(&t, C_FREEZER), h);
	assert_null(mtab_route(&t, C_CPU));
}

/* mountinfo's octal escapes (proc(5)) in a mount point: space, tab, backslash. */
static void test_mtab_escape(void **state)
{
	struct mtab t = load("30 22 0:40 / /a\\040b\\011c\\134d rw - cgroup cgroup rw,pids\n");

	(void)state;
	assert_int_equal(t.n, 1);
	assert_string_equal(t.h[0].mnt, "/a b\tc\\d");
}

/* ---- plan: a limit the host cannot apply is an error before anything is made ---- */

static void test_plan(void **state)
{
	struct mtab t = load(hybrid);
	struct cgroup_limits *l;
	unsigned v2;

	(void)state;
	t.h[9].ctrls = BIT(C_HUGETLB);
	l = parse_ok("{\"memory\":{\"limit\":1048576},\"hugepageLimits\":"
		     "[{\"pageSize\":\"2MB\",\"limit\":0}]}");
	assert_int_equal(cg_plan(&t, l, &v2), 0);
	assert_int_equal(v2, BIT(C_HUGETLB));
	cgroup_limits_free(l);

	t = load(comounted);
	l = parse_ok("{\"cpu\":{\"cpus\":\"0\"}}");
	hush();
	assert_int_equal(cg_plan(&t, l, &v2), -1);
	assert_non_null(strstr(heard(), "linux.resources.cpu.cpus: the cpuset controller is not mounted"));
	cgroup_limits_free(l);

	l = parse_ok("{\"unified\":{\"memory.high\":\"1G\"}}");
	hush();
	assert_int_equal(cg_plan(&t, l, &v2), -1);
	assert_non_null(strstr(heard(), "linux.resources.unified.memory.high: cgroup v2 is not mounted"));
	cgroup_limits_free(l);

	t = load(pure_v2);
	t.h[0].ctrls = BIT(C_MEMORY) | BIT(C_PIDS);
	l = parse_ok("{\"unified\":{\"memory.high\":\"1G\",\"cgroup.freeze\":\"0\"},"
		     "\"pids\":{\"limit\":5},\"devices\":[]}");
	assert_int_equal(cg_plan(&t, l, &v2), 0);
	assert_int_equal(v2, BIT(C_MEMORY) | BIT(C_PIDS));
	cgroup_limits_free(l);
	l = parse_ok("{\"unified\":{\"io.max\":\"8:0 rbps=1\"}}");
	hush();
	assert_int_equal(cg_plan(&t, l, &v2), -1);
	assert_non_null(strstr(heard(), "the io controller is not available in /sys/fs/cgroup"));
	cgroup_limits_free(l);
}

/* net_cls and net_prio: v1 only, to their (often shared) hierarchy, else an error saying so. */
static void test_plan_network(void **state)
{
	static const char with_net[] =
		"32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"33 31 0:30 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
		"34 31 0:31 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	const char *both = "{\"network\":{\"classID\":1,\"priorities\":[{\"name\":\"lo\",\"priority\":1}]}}";
	struct mtab t = load(with_net);
	struct cgroup_limits *l = parse_ok(both);
	unsigned v2;

	(void)state;
	assert_int_equal(t.n, 3);
	assert_ptr_equal(mtab_route(&t, C_NET_CLS), &t.h[1]);
	assert_ptr_equal(mtab_route(&t, C_NET_PRIO), &t.h[1]);
	assert_true(hier_used(&t.h[1]));
	assert_int_equal(cg_plan(&t, l, &v2), 0);
	assert_int_equal(v2, 0);

	/* the build host: hybrid, net_cls and net_prio not mounted */
	t = load(hybrid);
	hush();
	assert_int_equal(cg_plan(&t, l, &v2), -1);
	assert_non_null(strstr(heard(), "linux.resources.network.classID: the net_cls controller is "
				       "not mounted on this host (a cgroup v1 controller: cgroup v2 has none)"));
	cgroup_limits_free(l);
	l = parse_ok("{\"network\":{\"priorities\":[{\"name\":\"lo\",\"priority\":1}]}}");
	t = load(pure_v2);
	t.h[0].ctrls = BIT(C_MEMORY) | BIT(C_PIDS);
	hush();
	assert_int_equal(cg_plan(&t, l, &v2), -1);
	assert_non_null(strstr(heard(), "linux.resources.network.priorities: the net_prio controller "
				       "is not mounted on this host (a cgroup v1 controller"));
	cgroup_limits_free(l);
	/* classID 0 and no priorities ask for nothing: no controller needed */
	l = parse_ok("{\"network\":{\"classID\":0,\"priorities\":[]}}");
	assert_int_equal(cg_plan(&t, l, &v2), 0);
	cgroup_limits_free(l);
}

/* ---- cgroup_resolve ---- */

static void resolves(const char *spec, const char *id, const char *want)
{
	char *got = cgroup_resolve(spec, id);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void refuses(const char *spec, const char *id, const char *want)
{
	char *got;

	hush();
	got = cgroup_resolve(spec, id);
	heard();
	assert_null(got);
	if (!strstr(said, want))
		fail_msg("\"%s\" does not say \"%s\"", said, want);
}

static void test_resolve(void **state)
{
	(void)state;
	resolves(NULL, "abc", "/abc");
	resolves("", "abc", "/abc");
	resolves("/libpod_parent/abc", "abc", "/libpod_parent/abc");
	resolves("foo/bar", "abc", "/foo/bar");
	resolves("//a///b/", "abc", "/a/b");
	resolves("system.slice:docker:abc", "x", "/system.slice/docker-abc.scope");
	resolves("machine-libpod.slice:libpod:abc", "x",
		 "/machine.slice/machine-libpod.slice/libpod-abc.scope");
	resolves("a-b-c.slice:p:n", "x", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	resolves(":vessel:abc", "x", "/system.slice/vessel-abc.scope");
	resolves("-.slice:p:n", "x", "/p-n.scope");
	resolves("user.slice::n", "x", "/user.slice/n.scope");
	resolves("user.slice:p:", "id1", "/user.slice/p-id1.scope");
	refuses("/a/../b", "x", "linux.cgroupsPath: \"/a/../b\": \".\" and \"..\" are not allowed");
	refuses("/", "x", "names the root cgroup");
	refuses("a:b", "x", "is not of the form slice:prefix:name");
	refuses("a:b:c:d", "x", "is not of the form");
	refuses("nodot:p:n", "x", "is not of the form");
	refuses("a--b.slice:p:n", "x", "is not of the form");
	refuses("a.slice:p/q:n", "x", "is not of the form");
	refuses(NULL, "a/b", "container id \"a/b\" cannot name a cgroup");
	refuses(NULL, "", "cannot name a cgroup");
}

static void test_path_ok(void **state)
{
	(void)state;
	assert_true(cg_path_ok("/a"));
	assert_true(cg_path_ok("/a/b.scope"));
	hush();
	assert_false(cg_path_ok("/"));
	assert_false(cg_path_ok("a"));
	assert_false(cg_path_ok("/a/"));
	assert_false(cg_path_ok("/a//b"));
	assert_false(cg_path_ok("/a/../b"));
	assert_false(cg_path_ok("/.."));
	assert_false(cg_path_ok(NULL));
	heard();
}

/* ---- cgroup_limits_parse ---- */

static void test_parse_none(void **state)
{
	struct cgroup_limits *l = (void *)1;

	(void)state;
	assert_int_equal(cgroup_limits_parse(NULL, &l), 0);
	assert_null(l);
	l = parse_ok("{\"network\":{},\"bogus\":[1,2]}");
	assert_false(l->mem.any || l->cpu.any || l->blk.any || l->has_devices);
	assert_int_equal(l->pids, 0);
	assert_int_equal(l->net.classid, 0);
	assert_int_equal(l->net.n_prio, 0);
	cgroup_limits_free(l);
}

static void test_parse_full(void **state)
{
	struct cgroup_limits *l;

	(void)state;
	l = parse_ok("{"
		     "\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728,"
		     "\"kernelTCP\":-1,\"swappiness\":0,\"disableOOMKiller\":true,"
		     "\"useHierarchy\":true,\"checkBeforeUpdate\":true},"
		     "\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":0,\"period\":100000,"
		     "\"realtimeRuntime\":-1,\"realtimePeriod\":1000000,\"cpus\":\"0-1\","
		     "\"mems\":\"0\",\"idle\":1},"
		     "\"pids\":{\"limit\":-1},"
		     "\"blockIO\":{\"weight\":500,\"leafWeight\":10,"
		     "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}],"
		     "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
		     "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":0},"
		     "{\"major\":8,\"minor\":32,\"rate\":7}]},"
		     "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304},"
		     "{\"pageSize\":\"1GB\",\"limit\":0}],"
		     "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		     "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
		     "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"m\"}],"
		     "\"unified\":{\"memory.high\":\"max\"}"
		     "}");
	assert_int_equal(l->mem.limit, 64 << 20);
	assert_int_equal(l->mem.reservation, 32 << 20);
	assert_int_equal(l->mem.swap, 128 << 20);
	assert_int_equal(l->mem.kernel_tcp, -1);
	assert_true(l->mem.swappiness.set);
	assert_int_equal(l->mem.swappiness.v, 0);
	assert_true(l->mem.disable_oom && l->mem.check);
	assert_true(l->mem.use_hierarchy.set && l->mem.use_hierarchy.v);
	assert_int_equal(l->cpu.shares, 512);
	assert_int_equal(l->cpu.quota, 50000);
	assert_true(l->cpu.burst.set);
	assert_int_equal(l->cpu.burst.v, 0);
	assert_int_equal(l->cpu.period, 100000);
	assert_int_equal(l->cpu.rt_runtime, -1);
	assert_int_equal(l->cpu.rt_period, 1000000);
	assert_true(l->cpu.idle.set);
	assert_string_equal(l->cpuset.cpus, "0-1");
	assert_string_equal(l->cpuset.mems, "0");
	assert_int_equal(l->pids, -1);
	assert_int_equal(l->blk.weight, 500);
	assert_int_equal(l->blk.leaf, 10);
	assert_int_equal(l->blk.n_wdev, 1);
	assert_int_equal(l->blk.wdev[0].weight, 300);
	assert_int_equal(l->blk.wdev[0].leaf, 0);
	assert_int_equal(l->blk.n_rate[T_READ_BPS], 1);
	assert_int_equal(l->blk.rate[T_READ_BPS][0].rate, 1048576);
	assert_int_equal(l->blk.n_rate[T_WRITE_IOPS], 2);
	assert_int_equal(l->blk.rate[T_WRITE_IOPS][1].minor, 32);
	assert_int_equal(l->blk.n_rate[T_WRITE_BPS], 0);
	assert_int_equal(l->n_huge, 2);
	assert_string_equal(l->huge[1].size, "1GB");
	assert_int_equal(l->huge[0].limit, 4 << 20);
	assert_true(l->has_devices);
	assert_int_equal(l->n_dev, 3);
	assert_false(l->dev[0].allow);
	assert_int_equal(l->dev[0].type, 'a');
	assert_int_equal(l->dev[0].major, -1);
	assert_int_equal(l->dev[1].access, ACC_R | ACC_W);
	assert_int_equal(l->dev[2].minor, -1);
	assert_int_equal(l->dev[2].access, ACC_M);
	assert_int_equal(l->n_unified, 1);
	assert_string_equal(l->unified[0].key, "memory.high");
	assert_string_equal(l->unified[0].val, "max");
	cgroup_limits_free(l);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("[]", "config.json: linux.resources: expected an object");
	parse_bad("{\"memory\":{\"limit\":\"64M\"}}",
		  "config.json: linux.resources.memory.limit: expected an integer");
	parse_bad("{\"memory\":{\"limit\":-2}}", "linux.resources.memory.limit: -2 is out of range");
	parse_bad("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness: 101");
	parse_bad("{\"memory\":{\"limit\":100,\"swap\":50}}",
		  "linux.resources.memory.swap: 50 is below memory.limit 100");
	parse_bad("{\"memory\":{\"swap\":50}}", "linux.resources.memory.swap: needs a positive");
	parse_bad("{\"memory\":{\"disableOOMKiller\":1}}",
		  "linux.resources.memory.disableOOMKiller: expected true or false");
	parse_bad("{\"memory\":[]}", "linux.resources.memory: expected an object");
	parse_bad("{\"cpu\":{\"shares\":1}}", "linux.resources.cpu.shares: 1 is out of range");
	parse_bad("{\"cpu\":{\"shares\":262145}}", "linux.resources.cpu.shares: 262145 is out of range");
	parse_bad("{\"cpu\":{\"period\":999}}", "linux.resources.cpu.period: 999 is out of range");
	parse_bad("{\"cpu\":{\"idle\":2}}", "linux.resources.cpu.idle: 2 is out of range");
	parse_bad("{\"cpu\":{\"cpus\":\"0-3;5\"}}", "linux.resources.cpu.cpus: \"0-3;5\" is not a list");
	parse_bad("{\"cpu\":{\"mems\":7}}", "linux.resources.cpu.mems: expected a string");
	parse_bad("{\"pids\":{\"limit\":true}}", "linux.resources.pids.limit: expected an integer");
	parse_bad("{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight: 5 is out of range (10 to 1000)");
	parse_bad("{\"blockIO\":{\"leafWeight\":1001}}", "linux.resources.blockIO.leafWeight: 1001");
	parse_bad("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":9}]}}",
		  "linux.resources.blockIO.weightDevice[0].weight: 9 is out of range");
	parse_bad("{\"blockIO\":{\"weightDevice\":[{\"minor\":0}]}}",
		  "linux.resources.blockIO.weightDevice[0].major: is required");
	parse_bad("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1},"
		  "{\"major\":8,\"minor\":0,\"rate\":-1}]}}",
		  "linux.resources.blockIO.throttleReadBpsDevice[1].rate: expected a non-negative integer");
	parse_bad("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0}]}}",
		  "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: is required");
	parse_bad("{\"blockIO\":{\"throttleWriteBpsDevice\":[7]}}",
		  "linux.resources.blockIO.throttleWriteBpsDevice[0]: expected an object");
	parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}",
		  "linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a size like \"2MB\"");
	parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1},{\"pageSize\":\"02MB\"}]}",
		  "linux.resources.hugepageLimits[1].pageSize: \"02MB\"");
	parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"1GB\"}]}",
		  "linux.resources.hugepageLimits[0].limit: is required");
	parse_bad("{\"hugepageLimits\":{}}", "linux.resources.hugepageLimits: expected an array");
	parse_bad("{\"devices\":[{\"allow\":true},{\"allow\":true},{\"allow\":true,\"access\":\"rwx\"}]}",
		  "linux.resources.devices[2].access: 'x' is not one of r, w, m");
	parse_bad("{\"devices\":[{\"allow\":true,\"access\":\"\"}]}",
		  "linux.resources.devices[0].access: is empty");
	parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}",
		  "linux.resources.devices[0].type: \"u\" is not one of a, b, c");
	parse_bad("{\"devices\":[{\"type\":\"c\"}]}", "linux.resources.devices[0].allow: is required");
	parse_bad("{\"devices\":[{\"allow\":true,\"major\":-2}]}",
		  "linux.resources.devices[0].major: -2 is out of range");
	parse_bad("{\"devices\":[{\"allow\":true,\"minor\":\"3\"}]}",
		  "linux.resources.devices[0].minor: expected an integer");
	parse_bad("{\"devices\":[\"c 1:3 rwm\"]}", "linux.resources.devices[0]: expected an object");
	parse_bad("{\"unified\":{\"../memory.max\":\"1\"}}", "linux.resources.unified.../memory.max: is not");
	parse_bad("{\"unified\":{\"cgroup.procs\":\"1\"}}", "linux.resources.unified.cgroup.procs: is not");
	parse_bad("{\"unified\":{\"memory.max\":1}}", "linux.resources.unified.memory.max: expected a string");
}

static void test_parse_network(void **state)
{
	struct cgroup_limits *l;

	(void)state;
	l = parse_ok("{\"network\":{\"classID\":1048577,\"priorities\":"
		     "[{\"name\":\"lo\",\"priority\":5},{\"name\":\"eth0.100\",\"priority\":4294967295}]}}");
	assert_int_equal(l->net.classid, 0x100001);
	assert_int_equal(l->net.n_prio, 2);
	assert_string_equal(l->net.prio[0].ifname, "lo");
	assert_int_equal(l->net.prio[0].prio, 5);
	assert_string_equal(l->net.prio[1].ifname, "eth0.100");
	assert_int_equal(l->net.prio[1].prio, UINT32_MAX);
	cgroup_limits_free(l);
	l = parse_ok("{\"network\":{\"classID\":4294967295,\"priorities\":[]}}");
	assert_int_equal(l->net.classid, UINT32_MAX);
	assert_int_equal(l->net.n_prio, 0);
	cgroup_limits_free(l);

	parse_bad("{\"network\":[]}", "config.json: linux.resources.network: expected an object");
	parse_bad("{\"network\":{\"classID\":\"0x10001\"}}",
		  "config.json: linux.resources.network.classID: expected an integer");
	parse_bad("{\"network\":{\"classID\":1.5}}", "linux.resources.network.classID: expected an integer");
	parse_bad("{\"network\":{\"classID\":-1}}", "linux.resources.network.classID: -1 is out of range");
	parse_bad("{\"network\":{\"classID\":4294967296}}",
		  "linux.resources.network.classID: 4294967296 is out of range (0 to 4294967295)");
	parse_bad("{\"network\":{\"priorities\":{\"lo\":1}}}",
		  "linux.resources.network.priorities: expected an array");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"lo\",\"priority\":1},\"eth0 2\"]}}",
		  "linux.resources.network.priorities[1]: expected an object");
	parse_bad("{\"network\":{\"priorities\":[{\"priority\":1}]}}",
		  "linux.resources.network.priorities[0].name: is required");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":7,\"priority\":1}]}}",
		  "linux.resources.network.priorities[0].name: expected a string");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"lo\"}]}}",
		  "linux.resources.network.priorities[0].priority: is required");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"lo\",\"priority\":-5}]}}",
		  "linux.resources.network.priorities[0].priority: -5 is out of range");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"lo\",\"priority\":\"5\"}]}}",
		  "linux.resources.network.priorities[0].priority: expected an integer");
	/* "IFNAME PRIO" is one line to the kernel: no name may break it, or be one it refuses */
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"eth0 9\",\"priority\":1}]}}",
		  "linux.resources.network.priorities[0].name: \"eth0 9\" is not an interface name");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"\",\"priority\":1}]}}",
		  "priorities[0].name: \"\" is not an interface name");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"a23456789012345x\",\"priority\":1}]}}",
		  "\"a23456789012345x\" is not an interface name (1 to 15 characters");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"a/b\",\"priority\":1}]}}",
		  "\"a/b\" is not an interface name");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"eth0:1\",\"priority\":1}]}}",
		  "\"eth0:1\" is not an interface name");
	parse_bad("{\"network\":{\"priorities\":[{\"name\":\"..\",\"priority\":1}]}}",
		  "\"..\" is not an interface name");
	l = parse_ok("{\"network\":{\"priorities\":[{\"name\":\"a23456789012345\",\"priority\":1}]}}");
	assert_string_equal(l->net.prio[0].ifname, "a23456789012345");
	cgroup_limits_free(l);
}

/* ---- v2 conversions ---- */

static void test_shares_to_weight(void **state)
{
	uint64_t prev = 0;

	(void)state;
	assert_int_equal(cg_shares_to_weight(0), 0);
	assert_int_equal(cg_shares_to_weight(2), 1);
	assert_int_equal(cg_shares_to_weight(1024), 100);
	assert_int_equal(cg_shares_to_weight(100), 17);
	assert_int_equal(cg_shares_to_weight(262144), 10000);
	assert_int_equal(cg_shares_to_weight(512), 59);
	assert_int_equal(cg_shares_to_weight(2048), 174);
	for (uint64_t s = 2; s <= SHARES_MAX; s += 97) {
		uint64_t w = cg_shares_to_weight(s);

		assert_true(w >= prev && w >= 1 && w <= 10000);
		prev = w;
	}
}

static void test_v2_values(void **state)
{
	char buf[VAL_LEN];

	(void)state;
	assert_int_equal(cg_blkio_to_io_weight(10), 1);
	assert_int_equal(cg_blkio_to_io_weight(1000), 10000);
	assert_int_equal(cg_blkio_to_io_weight(500), 4950);
	assert_int_equal(cg_swap_v2(64 << 20, 128 << 20), 64 << 20);
	assert_int_equal(cg_swap_v2(64 << 20, 64 << 20), 0);
	assert_int_equal(cg_swap_v2(64 << 20, -1), -1);
	assert_int_equal(cg_swap_v2(-1, 0), -1);
	assert_int_equal(cg_swap_v2(64 << 20, 0), 0);
	cg_fmt_max(buf, -1);
	assert_string_equal(buf, "max");
	cg_fmt_max(buf, 16);
	assert_string_equal(buf, "16");
}

/* ---- device rules ---- */

static void test_v1_lines(void **state)
{
	char lines[2][64];
	struct dev_rule all = { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = ACC_ALL };
	struct dev_rule null = { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = ACC_R | ACC_W };
	struct dev_rule blk = { .allow = true, .type = 'b', .major = 8, .minor = -1, .access = ACC_M };
	struct dev_rule any = { .allow = true, .type = 'a', .major = 5, .minor = -1, .access = ACC_ALL };

	(void)state;
	assert_int_equal(cg_v1_dev_lines(&all, lines), 1);
	assert_string_equal(lines[0], "a");
	assert_int_equal(cg_v1_dev_lines(&null, lines), 1);
	assert_string_equal(lines[0], "c 1:3 rw");
	assert_int_equal(cg_v1_dev_lines(&blk, lines), 1);
	assert_string_equal(lines[0], "b 8:* m");
	/* "a 5:* rwm" would reset the list to allow everything; split it */
	assert_int_equal(cg_v1_dev_lines(&any, lines), 2);
	assert_string_equal(lines[0], "c 5:* rwm");
	assert_string_equal(lines[1], "b 5:* rwm");
}

#define LD(dst, off) { BPF_LDX | BPF_W | BPF_MEM, dst, BPF_REG_1, off, 0 }
#define JNE32(reg, imm, off) { BPF_JMP32 | BPF_JNE | BPF_K, reg, 0, off, imm }
#define JEQ32(reg, imm, off) { BPF_JMP32 | BPF_JEQ | BPF_K, reg, 0, off, imm }
#define MOV32R(dst, src) { BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0 }
#define AND32(dst, imm) { BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm }
#define RET(v) { BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v }, { BPF_JMP | BPF_EXIT, 0, 0, 0, 0 }

static const struct bpf_insn prologue[] = {
	LD(BPF_REG_2, 0),
	MOV32R(BPF_REG_3, BPF_REG_2),
	AND32(BPF_REG_2, 0xffff),
	{ BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16 },
	LD(BPF_REG_4, 4),
	LD(BPF_REG_5, 8),
};

#define PROLOGUE_LEN (sizeof(prologue) / sizeof(prologue[0]))

static void assert_program(const struct dev_rule *rules, size_t n, const struct bpf_insn *want,
			   size_t want_n)
{
	struct bpf_insn *p = calloc(cg_bpf_dev_max(n), sizeof(*p));
	size_t len = cg_bpf_dev_program(rules, n, p);

	assert_int_equal(len, PROLOGUE_LEN + want_n);
	assert_true(len <= cg_bpf_dev_max(n));
	assert_memory_equal(p, prologue, sizeof(prologue));
	for (size_t i = 0; i < want_n; i++) {
		const struct bpf_insn *a = &p[PROLOGUE_LEN + i], *b = &want[i];

		if (a->code != b->code || a->dst_reg != b->dst_reg || a->src_reg != b->src_reg ||
		    a->off != b->off || a->imm != b->imm)
			fail_msg("insn %zu: got %02x %u %u %d %d, want %02x %u %u %d %d", i, a->code,
				 a->dst_reg, a->src_reg, a->off, a->imm, b->code, b->dst_reg,
				 b->src_reg, b->off, b->imm);
	}
	free(p);
}

static void test_bpf_empty(void **state)
{
	static const struct bpf_insn want[] = { RET(0) };

	(void)state;
	assert_program(NULL, 0, want, 2);
}

/* The usual container list: deny all, then allow /dev/null rw and /dev/sda mknod. */
static void test_bpf_rules(void **state)
{
	static const struct dev_rule rules[] = {
		{ .allow = false, .type = 'a', .major = -1, .minor = -1, .access = ACC_ALL },
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = ACC_R | ACC_W },
		{ .allow = true, .type = 'b', .major = 8, .minor = -1, .access = ACC_M },
	};
	static const struct bpf_insn want[] = {
		/* rules[2]: type, access (not outside m), major; a jump lands on the next rule */
		JNE32(BPF_REG_2, BPF_DEVCG_DEV_BLOCK, 6),
		MOV32R(BPF_REG_1, BPF_REG_3),
		AND32(BPF_REG_1, ACC_R | ACC_W),
		JNE32(BPF_REG_1, 0, 3),
		JNE32(BPF_REG_4, 8, 2),
		RET(1),
		/* rules[1]: type, access (not outside rw), major, minor */
		JNE32(BPF_REG_2, BPF_DEVCG_DEV_CHAR, 7),
		MOV32R(BPF_REG_1, BPF_REG_3),
		AND32(BPF_REG_1, ACC_M),
		JNE32(BPF_REG_1, 0, 4),
		JNE32(BPF_REG_4, 1, 3),
		JNE32(BPF_REG_5, 3, 2),
		RET(1),
		/* rules[0] matches everything and ends the program: no default needed */
		RET(0),
	};

	(void)state;
	assert_program(rules, 3, want, sizeof(want) / sizeof(want[0]));
}

/* A partial deny hits if any access asked for is denied; an allow-all hides what comes before. */
static void test_bpf_deny_partial(void **state)
{
	static const struct dev_rule rules[] = {
		{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = ACC_ALL },
		{ .allow = true, .type = 'a', .major = -1, .minor = -1, .access = ACC_ALL },
		{ .allow = false, .type = 'a', .major = 10, .minor = 200, .access = ACC_W },
	};
	static const struct bpf_insn want[] = {
		MOV32R(BPF_REG_1, BPF_REG_3),
		AND32(BPF_REG_1, ACC_W),
		JEQ32(BPF_REG_1, 0, 4),
		JNE32(BPF_REG_4, 10, 3),
		JNE32(BPF_REG_5, 200, 2),
		RET(0),
		RET(1),
	};

	(void)state;
	assert_program(rules, 3, want, sizeof(want) / sizeof(want[0]));
}

static void test_bpf_no_wildcard(void **state)
{
	static const struct dev_rule rules[] = {
		{ .allow = true, .type = 'c', .major = -1, .minor = -1, .access = ACC_ALL },
	};
	static const struct bpf_insn want[] = {
		JNE32(BPF_REG_2, BPF_DEVCG_DEV_CHAR, 2),
		RET(1),
		RET(0),
	};

	(void)state;
	assert_program(rules, 1, want, sizeof(want) / sizeof(want[0]));
}

static void test_page_size(void **state)
{
	(void)state;
	assert_true(cg_page_size_ok("2MB"));
	assert_true(cg_page_size_ok("1GB"));
	assert_true(cg_page_size_ok("64KB"));
	assert_false(cg_page_size_ok("2M"));
	assert_false(cg_page_size_ok("MB"));
	assert_false(cg_page_size_ok("0MB"));
	assert_false(cg_page_size_ok("2mb"));
	assert_false(cg_page_size_ok("2MBx"));
	assert_false(cg_page_size_ok("2TB"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtab_hybrid),
		cmocka_unit_test(test_mtab_comounted),
		cmocka_unit_test(test_mtab_v2),
		cmocka_unit_test(test_mtab_escape),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_parse_none),
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_network),
		cmocka_unit_test(test_plan_network),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_v2_values),
		cmocka_unit_test(test_v1_lines),
		cmocka_unit_test(test_bpf_empty),
		cmocka_unit_test(test_bpf_rules),
		cmocka_unit_test(test_bpf_deny_partial),
		cmocka_unit_test(test_bpf_no_wildcard),
		cmocka_unit_test(test_page_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
