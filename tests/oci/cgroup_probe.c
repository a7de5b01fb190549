/*
 * Exercises src/oci/cgroup*.c on the real host (as root): cgroup_enter with
 * limits, the files they land in, device rules, join, freeze/thaw, pids, a
 * failing enter that must leave nothing, destroy. On a host with a cgroup2
 * mount it also loads the eBPF device program and checks that it is enforced.
 * Usage: cgroup_probe /vessel-selftest-PID     Exit status 0: all passed.
 */
#include "oci/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok   ");                                       \
		} else {                                                       \
			printf("FAIL ");                                       \
			failures++;                                            \
		}                                                              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

/* What a child found when it opened a device: 0 or the errno. */
static int try_open(const char *dev, int flags)
{
	int fd = open(dev, flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A child that waits for @go, reports its device checks on @rep, then sleeps until killed. */
static pid_t child(int go[2], int rep[2])
{
	pid_t pid = fork();
	char c;
	int res[3];

	if (pid)
		return pid;
	close(go[1]);
	close(rep[0]);
	if (read(go[0], &c, 1) != 1)
		_exit(1);
	res[0] = try_open("/dev/null", O_RDWR);
	res[1] = try_open("/dev/zero", O_RDONLY);
	res[2] = try_open("/dev/zero", O_WRONLY);
	if (write(rep[1], res, sizeof(res)) != sizeof(res))
		_exit(1);
	for (;;)
		pause();
}

static pid_t spawn(int go[2], int rep[2])
{
	if (pipe(go) || pipe(rep)) {
		perror("pipe");
		exit(2);
	}
	return child(go, rep);
}

static void release(int go[2], int rep[2], int res[3])
{
	close(go[0]);
	close(rep[1]);
	if (write(go[1], "g", 1) != 1 || read(rep[0], res, 3 * sizeof(int)) != 3 * sizeof(int))
		res[0] = res[1] = res[2] = -1;
	close(go[1]);
	close(rep[0]);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool file_is(const struct hier *h, const char *path, const char *file, const char *want)
{
	char d[PATH_MAX], buf[4096];

	snprintf(d, sizeof(d), "%s%s", h->mnt, path);
	return !cg_read_file(d, file, buf, sizeof(buf)) && !strcmp(buf, want);
}

static bool contains(const struct hier *h, const char *path, const char *file, const char *want)
{
	char d[PATH_MAX], buf[4096];

	snprintf(d, sizeof(d), "%s%s", h->mnt, path);
	return !cg_read_file(d, file, buf, sizeof(buf)) && strstr(buf, want);
}

static bool gone_everywhere(const struct mtab *t, const char *path)
{
	char d[PATH_MAX];
	bool gone = true;

	for (size_t i = 0; i < t->n; i++) {
		snprintf(d, sizeof(d), "%s%s", t->h[i].mnt, path);
		if (!access(d, F_OK)) {
			printf("     left behind: %s\n", d);
			gone = false;
		}
	}
	return gone;
}

static struct cgroup_limits *limits(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	struct cgroup_limits *l = NULL;

	if (!j || cgroup_limits_parse(j, &l)) {
		fprintf(stderr, "bad limits %s\n", text);
		exit(2);
	}
	json_decref(j);
	return l;
}

static bool has_pid(const char *path, pid_t pid, size_t want_n)
{
	pid_t *v;
	size_t n;
	bool found = false;

	if (cgroup_pids(path, &v, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		found |= v[i] == pid;
	free(v);
	return found && n == want_n;
}

static const char container_limits[] =
	"{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":16},"
	"\"cpu\":{\"shares\":512,\"cpus\":\"0\"},"
	"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"}]}";

static void container(const struct mtab *t, const char *path)
{
	struct cgroup_limits *l = limits(container_limits);
	int go[2], rep[2], go2[2], rep2[2], res[3];
	pid_t pid = spawn(go, rep), pid2;

	CHECK(cgroup_enter(path, l, pid) == 0, "cgroup_enter %s (child %d)", path, (int)pid);
	release(go, rep, res);
	CHECK(file_is(mtab_route(t, C_MEMORY), path, "memory.limit_in_bytes", "67108864") ||
		      file_is(mtab_route(t, C_MEMORY), path, "memory.max", "67108864"),
	      "memory limit is 64 MiB");
	CHECK(file_is(mtab_route(t, C_PIDS), path, "pids.max", "16"), "pids.max is 16");
	CHECK(file_is(mtab_route(t, C_CPUSET), path, "cpuset.cpus", "0"), "cpuset.cpus is 0");
	CHECK(file_is(mtab_route(t, C_CPU), path, "cpu.shares", "512") ||
		      file_is(mtab_route(t, C_CPU), path, "cpu.weight", "59"),
	      "cpu.shares 512 (cpu.weight 59)");
	if (!mtab_route(t, C_DEVICES)->v2)
		CHECK(contains(mtab_route(t, C_DEVICES), path, "devices.list", "c 1:3 rwm") &&
			      contains(mtab_route(t, C_DEVICES), path, "devices.list", "c 1:5 r"),
		      "devices.list has c 1:3 rwm and c 1:5 r");
	CHECK(res[0] == 0, "child opens /dev/null rw (%s)", strerror(res[0]));
	CHECK(res[1] == 0, "child opens /dev/zero r (%s)", strerror(res[1]));
	CHECK(res[2] == EPERM, "child may not open /dev/zero w (%s)", strerror(res[2]));
	CHECK(has_pid(path, pid, 1), "cgroup_pids lists the child alone");

	pid2 = spawn(go2, rep2);
	CHECK(cgroup_join(path, pid2) == 0, "cgroup_join a second child %d", (int)pid2);
	release(go2, rep2, res);
	CHECK(has_pid(path, pid2, 2), "cgroup_pids lists both");
	CHECK(res[0] == 0 && res[2] == EPERM, "the joined child has the same device rules");

	CHECK(cgroup_frozen(path) == 0, "not frozen at first");
	CHECK(cgroup_freeze(path, true) == 0, "cgroup_freeze(true)");
	CHECK(cgroup_frozen(path) == 1, "frozen");
	CHECK(cgroup_freeze(path, true) == 0, "freezing twice is fine");
	CHECK(cgroup_freeze(path, false) == 0, "cgroup_freeze(false)");
	CHECK(cgroup_frozen(path) == 0, "thawed");

	CHECK(cgroup_destroy(path) == -1, "cgroup_destroy refuses while processes live");
	reap(pid);
	reap(pid2);
	CHECK(cgroup_destroy(path) == 0, "cgroup_destroy");
	CHECK(gone_everywhere(t, path), "nothing left in any hierarchy");
	CHECK(cgroup_destroy(path) == 0, "cgroup_destroy of an absent cgroup");
	cgroup_limits_free(l);
}

/* The last limit cannot be written: everything made before it must go, the pid stays put. */
static void failing(const struct mtab *t, const char *path)
{
	struct cgroup_limits *l = limits("{\"memory\":{\"limit\":67108864},\"cpu\":{\"cpus\":\"999\"}}");
	char nested[PATH_MAX];
	int go[2], rep[2], res[3];
	pid_t pid = spawn(go, rep);

	snprintf(nested, sizeof(nested), "%s/a/b", path);
	CHECK(cgroup_enter(nested, l, pid) == -1, "cgroup_enter with cpus 999 fails");
	CHECK(gone_everywhere(t, path), "and leaves nothing behind");
	release(go, rep, res);
	CHECK(res[2] == 0, "the child kept its devices (never moved)");
	reap(pid);
	cgroup_limits_free(l);
}

/* Limits for controllers that only cgroup2 offers (hugetlb on the hybrid build host). */
static void v2_only(const struct mtab *t, const char *path)
{
	const struct hier *h = mtab_route(t, C_HUGETLB);
	struct cgroup_limits *l;
	char before[1024] = "", sub[PATH_MAX];
	int go[2], rep[2], res[3];
	pid_t pid;

	if (!h || !h->v2) {
		printf("skip cgroup2 hugetlb: not a cgroup2-only controller here\n");
		return;
	}
	cg_read_file(h->mnt, "cgroup.subtree_control", before, sizeof(before));
	l = limits("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}],"
		   "\"unified\":{\"hugetlb.1GB.max\":\"1073741824\"}}");
	snprintf(sub, sizeof(sub), "%s/sub", path);
	pid = spawn(go, rep);
	CHECK(cgroup_enter(sub, l, pid) == 0, "cgroup_enter %s with cgroup2 hugetlb limits", sub);
	release(go, rep, res);
	CHECK(file_is(h, sub, "hugetlb.2MB.max", "2097152"), "hugetlb.2MB.max is 2 MiB");
	CHECK(file_is(h, sub, "hugetlb.1GB.max", "1073741824"), "unified hugetlb.1GB.max is 1 GiB");
	CHECK(has_pid(sub, pid, 1), "cgroup_pids lists the child");
	reap(pid);
	CHECK(cgroup_destroy(sub) == 0 && cgroup_destroy(path) == 0, "cgroup_destroy sub and parent");
	CHECK(gone_everywhere(t, path), "nothing left in any hierarchy");
	/* Put the host's subtree_control back as it was. */
	if (!strstr(before, "hugetlb"))
		cg_write_file(h->mnt, "cgroup.subtree_control", "-hugetlb", NULL);
	cgroup_limits_free(l);
}

/* The cgroup2 device program, loaded and enforced on a cgroup2 cgroup of its own. */
static void ebpf(const struct mtab *t, const char *path)
{
	const struct hier *h = mtab_v2(t);
	struct cgroup_limits *l = limits(container_limits);
	char d[2 * PATH_MAX], pidbuf[32];
	int go[2], rep[2], res[3];
	pid_t pid;

	if (!h) {
		printf("skip eBPF: no cgroup2 mount\n");
		cgroup_limits_free(l);
		return;
	}
	snprintf(d, sizeof(d), "%s%s-bpf", h->mnt, path);
	if (mkdir(d, 0755)) {
		CHECK(0, "mkdir %s: %s", d, strerror(errno));
		cgroup_limits_free(l);
		return;
	}
	CHECK(cg_bpf_dev_attach(d, l->dev, l->n_dev) == 0, "eBPF device program loads and attaches");
	pid = spawn(go, rep);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	CHECK(cg_write_file(d, "cgroup.procs", pidbuf, NULL) == 0, "child moved into %s", d);
	release(go, rep, res);
	CHECK(res[0] == 0, "eBPF: /dev/null rw allowed (%s)", strerror(res[0]));
	CHECK(res[1] == 0, "eBPF: /dev/zero r allowed (%s)", strerror(res[1]));
	CHECK(res[2] == EPERM, "eBPF: /dev/zero w denied (%s)", strerror(res[2]));
	reap(pid);
	CHECK(rmdir(d) == 0, "removed %s", d);
	cgroup_limits_free(l);
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "v1", "v2", "hybrid" };
	const struct mtab *t;
	char *path;

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: %s /cgroup-path\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	path = cgroup_resolve(argv[1], "unused");
	printf("mode %s\n", modes[cgroup_detect()]);
	t = mtab_get();
	if (!t || !path)
		return 2;
	for (size_t i = 0; i < t->n; i++)
		printf("     %s%s%s\n", t->h[i].mnt, t->h[i].v2 ? " (cgroup2)" : "",
		       t->h[i].systemd ? " (name=systemd)" : "");
	container(t, path);
	failing(t, path);
	v2_only(t, path);
	ebpf(t, path);
	free(path);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
