#include "oci/container.h"
#include "oci/cgroup.h"
#include "oci/hooks.h"
#include "oci/lsm.h"
#include "oci/oci_json.h"
#include "oci/process.h"
#include "oci/rootfs.h"
#include "oci/seccomp.h"
#include "oci/spec.h"
#include "oci/sync.h"
#include "oci/terminal.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the init process needs, set up by the runtime before the clone. */
struct init_ctx {
	struct oci_spec spec;
	struct seccomp_filter *seccomp;
	int sync;			/* our end of the socket pair */
	int ns_fd[NS_COUNT];		/* namespaces to join; -1 if none */
	int unshare_flags;		/* new namespaces made after joining a user namespace */
	int console;			/* connected console socket, or -1 */
	char *fifo;
	int fifo_fd;			/* O_PATH, opened here: the state dir is ours alone */
	char *cgroup;
	bool no_pivot;
};

static int join_namespaces(struct init_ctx *x)
{
	unsigned t;

	if (x->ns_fd[NS_USER] >= 0 && setns(x->ns_fd[NS_USER], CLONE_NEWUSER)) {
		pr_err("joining the user namespace %s: %s", x->spec.ns[NS_USER].path,
		       strerror(errno));
		return -1;
	}
	for (t = 0; t < NS_COUNT; t++) {
		if (t == NS_USER || t == NS_PID || x->ns_fd[t] < 0)
			continue;
		if (setns(x->ns_fd[t], ns_clone_flag(t))) {
			pr_err("joining the %s namespace %s: %s", ns_name(t), x->spec.ns[t].path,
			       strerror(errno));
			return -1;
		}
	}
	if (x->unshare_flags && unshare(x->unshare_flags)) {
		pr_err("unshare: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int set_names(const struct oci_spec *s)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname))) {
		pr_err("hostname %s: %s", s->hostname, strerror(errno));
		return -1;
	}
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname))) {
		pr_err("domainname %s: %s", s->domainname, strerror(errno));
		return -1;
	}
	return 0;
}

static char *status_text(const char *state, const char *status)
{
	json_t *j = json_loads(state, 0, NULL);
	char *text;

	if (!j)
		return NULL;
	json_object_set_new(j, "status", json_string(status));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

/*
 * Wait on the exec fifo until `start` opens it. @proc_fd: the runtime's /proc,
 * kept for a container without a mount namespace (its chroot has none); -1:
 * the container's own /proc.
 */
static int wait_for_start(int fifo_path_fd, int proc_fd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%sself/fd/%d", proc_fd < 0 ? "/proc/" : "", fifo_path_fd);
	fd = openat(proc_fd < 0 ? AT_FDCWD : proc_fd, path, O_WRONLY | O_CLOEXEC);
	if (proc_fd >= 0)
		close(proc_fd);
	if (fd < 0) {
		pr_err("opening the exec fifo through %s: %s (the container needs /proc)", path,
		       strerror(errno));
		return -1;
	}
	if (write(fd, "0", 1) != 1) {
		close(fd);
		return -1;
	}
	close(fd);
	close(fifo_path_fd);
	return 0;
}

static int init_setup(struct init_ctx *x, char *buf, char exe[PATH_MAX], int *fifo_fd,
		      int *proc_fd, bool *loaded)
{
	struct oci_spec *s = &x->spec;
	bool userns = s->ns[NS_USER].enabled;

	if (sync_recv(x->sync, buf, SYNC_MAX) != SYNC_GO)
		return -1;
	/*
	 * Until its execve the process is this runtime: processes of the container
	 * must not reach it through /proc (its binary, its fds: CVE-2019-5736).
	 * Not before GO: an unprivileged runtime writes our id maps until then.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (join_namespaces(x))
		return -1;
	if (userns && (setresgid(0, 0, 0) || setresuid(0, 0, 0)))
		pr_debug("becoming root in the user namespace: %s", strerror(errno));
	if (set_names(s) || rootfs_prepare(s, x->cgroup, userns))
		return -1;
	if (sync_send(x->sync, SYNC_HOOKS, NULL, 0) ||
	    sync_recv(x->sync, buf, SYNC_MAX) != SYNC_HOOKS_DONE)
		return -1;
	if (hooks_run(&s->hooks[HOOK_CREATE_CONTAINER], "createContainer", buf))
		return -1;
	*fifo_fd = x->fifo_fd;
	if (!s->ns[NS_MNT].enabled &&
	    (*proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		pr_err("/proc: %s", strerror(errno));
		return -1;
	}
	if (rootfs_enter(s, x->no_pivot) || rootfs_finish(s))
		return -1;
	if (s->process.terminal &&
	    terminal_setup(x->console, s->process.console_rows, s->process.console_cols,
			   s->process.uid, s->process.gid, true))
		return -1;
	if (process_prepare(&s->process) || process_resolve(&s->process, exe))
		return -1;
	return process_identity(&s->process, userns, x->seccomp, loaded);
}

static void __attribute__((noreturn)) init_main(struct init_ctx *x)
{
	static char buf[SYNC_MAX];
	char exe[PATH_MAX], *started;
	bool loaded = false;
	int fifo_fd = -1, proc_fd = -1;

	sigprocmask(SIG_SETMASK, &(sigset_t){ 0 }, NULL);
	log_set_sink(sync_log_sink, &x->sync);
	if (init_setup(x, buf, exe, &fifo_fd, &proc_fd, &loaded)) {
		sync_send(x->sync, SYNC_LOG_ERR, "", 0);
		_exit(1);
	}
	started = status_text(buf, "created");
	if (!started) {
		pr_err("the state for the startContainer hooks: out of memory");
		sync_send(x->sync, SYNC_LOG_ERR, "", 0);
		_exit(1);
	}
	sync_send(x->sync, SYNC_CREATED, NULL, 0);
	log_set_sink(NULL, NULL);
	close(x->sync);
	if (wait_for_start(fifo_fd, proc_fd))
		_exit(1);
	if (hooks_run(&x->spec.hooks[HOOK_START_CONTAINER], "startContainer", started))
		_exit(1);
	free(started);
	process_exec(&x->spec.process, exe, x->seccomp, loaded);
	_exit(127);
}

static int write_map(pid_t pid, const char *file, const struct id_map *m, size_t n)
{
	const char *field = strcmp(file, "uid_map") ? "gidMappings" : "uidMappings";
	char path[64], text[4096];	/* the kernel takes a map in one write below a page */
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n",
					m[i].container, m[i].host, m[i].size);
		if (len >= sizeof(text)) {
			pr_err("linux.%s: %zu entries do not fit the kernel's one page", field, n);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_existing(path, text)) {
		pr_err("linux.%s: writing %s: %s", field, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_id_maps(const struct oci_spec *s, pid_t pid)
{
	if (geteuid()) {
		/* Unprivileged: gid_map needs setgroups denied (user_namespaces(7)). */
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_existing(path, "deny"))
			pr_debug("%s: %s", path, strerror(errno));
	}
	if (s->n_uid_maps && write_map(pid, "uid_map", s->uid_maps, s->n_uid_maps))
		return -1;
	if (s->n_gid_maps && write_map(pid, "gid_map", s->gid_maps, s->n_gid_maps))
		return -1;
	return 0;
}

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

char *container_config_path(const struct container *c)
{
	char *p;

	return asprintf(&p, "%s/config.json", c->dir) < 0 ? NULL : p;
}

static int copy_config(const char *bundle, const struct container *c)
{
	char src[PATH_MAX], *dst = container_config_path(c), *text;
	json_t *j;
	int rc;

	snprintf(src, sizeof(src), "%s/config.json", bundle);
	j = json_load_file(src, 0, NULL);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rc = dst && text ? write_file_atomic(dst, text) : -1;
	json_decref(j);
	free(text);
	free(dst);
	return rc;
}

/* The host id that container id 0 maps to (0 if none does). */
static uint32_t root_host_id(const struct id_map *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].container == 0)
			return m[i].host;
	return 0;
}

/* Open the namespaces to join and work out which are new, before anything is made. */
static int plan_namespaces(struct init_ctx *x, int *clone_flags)
{
	struct oci_spec *s = &x->spec;
	unsigned t;

	*clone_flags = 0;
	x->unshare_flags = 0;
	for (t = 0; t < NS_COUNT; t++) {
		x->ns_fd[t] = -1;
		if (!s->ns[t].enabled)
			continue;
		if (s->ns[t].path) {
			x->ns_fd[t] = open(s->ns[t].path, O_RDONLY | O_CLOEXEC);
			if (x->ns_fd[t] < 0) {
				pr_err("config.json: linux.namespaces %s: %s: %s", ns_name(t),
				       s->ns[t].path, strerror(errno));
				return -1;
			}
		} else if (t == NS_USER || t == NS_PID || !s->ns[NS_USER].path) {
			*clone_flags |= ns_clone_flag(t);
		} else {
			x->unshare_flags |= ns_clone_flag(t);
		}
	}
	return 0;
}

/*
 * The device cgroup rules: everything denied, then the spec's rules, then what
 * every container needs (runc's default list) and the spec's own devices.
 */
static int device_rules(struct oci_spec *s)
{
	static const struct {
		char type;
		int major, minor;
		const char *access;
	} defaults[] = {
		{ 'c', -1, -1, "m" }, { 'b', -1, -1, "m" }, { 'c', 1, 3, "rwm" }, { 'c', 1, 5, "rwm" },
		{ 'c', 1, 7, "rwm" }, { 'c', 1, 8, "rwm" }, { 'c', 1, 9, "rwm" }, { 'c', 5, 0, "rwm" },
		{ 'c', 5, 1, "rwm" }, { 'c', 5, 2, "rwm" }, { 'c', 136, -1, "rwm" },
		{ 'c', 10, 200, "rwm" },
	};
	json_t *rules = json_array(), *user = NULL, *r;
	size_t i;

	if (!s->resources) {
		s->resources = json_object();
		json_object_set_new(json_object_get(s->root_json, "linux"), "resources", s->resources);
	}
	json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
	if (oj_array(s->resources, "devices", "linux.resources", &user)) {
		json_decref(rules);
		return -1;
	}
	json_array_foreach(user, i, r)
		json_array_append(rules, r);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		char t[2] = { defaults[i].type, 0 };
		json_t *d = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", t,
				      "access", defaults[i].access);

		if (defaults[i].major >= 0)
			json_object_set_new(d, "major", json_integer(defaults[i].major));
		if (defaults[i].minor >= 0)
			json_object_set_new(d, "minor", json_integer(defaults[i].minor));
		json_array_append_new(rules, d);
	}
	for (i = 0; i < s->n_devices; i++) {
		char t[2] = { s->devices[i].type == 'u' ? 'c' : s->devices[i].type, 0 };

		if (s->devices[i].type == 'p')
			continue;	/* a FIFO is no device to the cgroup */
		json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1,
						       "type", t, "major", (json_int_t)s->devices[i].major,
						       "minor", (json_int_t)s->devices[i].minor,
						       "access", "rwm"));
	}
	json_object_set_new(s->resources, "devices", rules);
	return 0;
}

/* Whether the parent of cgroup @path is writable in the hierarchy mounted at @mnt. */
static bool parent_writable(const char *mnt, const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s%s", mnt, path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return !access(dir, W_OK);
}

static bool rootless_no_cgroup(const struct oci_spec *s, const char *path)
{
	bool none;

	if (!geteuid() || (s->resources && json_object_size(s->resources)))
		return false;
	none = !parent_writable("/sys/fs/cgroup/memory", path) &&
	       !parent_writable("/sys/fs/cgroup", path);
	if (none)
		pr_debug("rootless: no writable cgroup for %s; the container gets none", path);
	return none;
}

static void close_ctx(struct init_ctx *x)
{
	unsigned t;

	for (t = 0; t < NS_COUNT; t++)
		if (x->ns_fd[t] >= 0)
			close(x->ns_fd[t]);
	if (x->console >= 0)
		close(x->console);
	if (x->fifo_fd >= 0)
		close(x->fifo_fd);
	seccomp_filter_free(x->seccomp);
	free(x->fifo);
	free(x->cgroup);
	spec_free(&x->spec);
}

/* Serve the init process until it is created; -1 if it failed (its message is out). */
static int serve_init(struct init_ctx *x, struct container *c, int sock)
{
	static char buf[SYNC_MAX];
	char *state;
	int t;

	if (sync_send(sock, SYNC_GO, NULL, 0))
		return -1;
	for (;;) {
		t = sync_recv(sock, buf, sizeof(buf));
		switch (t) {
		case SYNC_LOG_ERR:
		case SYNC_LOG_WARN:
		case SYNC_LOG_DEBUG:
			sync_log_print(t, buf);
			break;
		case SYNC_HOOKS:
			state = state_json_text(c, ST_CREATING);
			if (!state)
				return -1;
			if (strlen(state) > SYNC_MAX - 64) {
				pr_err("container %s: its state (annotations) is over %d KiB", c->id,
				       SYNC_MAX / 1024 - 1);
				free(state);
				return -1;
			}
			if (hooks_run(&x->spec.hooks[HOOK_PRESTART], "prestart", state) ||
			    hooks_run(&x->spec.hooks[HOOK_CREATE_RUNTIME], "createRuntime", state) ||
			    sync_send(sock, SYNC_HOOKS_DONE, state, strlen(state))) {
				free(state);
				return -1;
			}
			free(state);
			break;
		case SYNC_CREATED:
			return 0;
		default:
			if (t != SYNC_LOG_ERR)
				pr_err("container %s: its init process exited during create", c->id);
			return -1;
		}
		if (t == SYNC_LOG_ERR)
			return -1;
	}
}

static int fill_record(struct container *c, const struct create_opts *o, const char *rootfs,
		       const json_t *root_json)
{
	char created[48], bundle[PATH_MAX];
	struct passwd *pw = getpwuid(geteuid());

	if (!realpath(o->bundle, bundle)) {
		pr_err("--bundle %s: %s", o->bundle, strerror(errno));
		return -1;
	}
	now_rfc3339(created, sizeof(created));
	c->bundle = strdup(bundle);
	c->rootfs = strdup(rootfs);
	c->created = strdup(created);
	c->owner = strdup(pw ? pw->pw_name : "");
	c->systemd_cgroup = o->systemd_cgroup;
	c->annotations = json_object_get(root_json, "annotations");
	c->annotations = json_is_object(c->annotations) ? json_incref(c->annotations) : NULL;
	return c->bundle && c->rootfs && c->created && c->owner ? 0 : -1;
}

static int spawn_init(struct init_ctx *x, int clone_flags, int sock_child, int sock_parent)
{
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)clone_flags | SIGCHLD, NULL, NULL,
				   NULL, 0);

	if (pid < 0) {
		pr_err("clone (namespaces 0x%x): %s", clone_flags, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(sock_parent);
		x->sync = sock_child;
		init_main(x);
	}
	return pid;
}

int container_create(const struct create_opts *o, struct container *c)
{
	struct init_ctx x = { .console = -1, .sync = -1, .fifo_fd = -1 };
	struct cgroup_limits *limits = NULL;
	int socks[2] = { -1, -1 }, clone_flags, rc = -1, saved_pidns = -1;
	pid_t pid = -1;
	bool claimed = false, cg_made = false;

	memset(x.ns_fd, -1, sizeof(x.ns_fd));
	if (spec_load(o->bundle, &x.spec) ||
	    lsm_check(&x.spec.process, x.spec.mount_label) || plan_namespaces(&x, &clone_flags) ||
	    (!geteuid() && device_rules(&x.spec)) || cgroup_limits_parse(x.spec.resources, &limits) ||
	    seccomp_filter_parse(x.spec.seccomp, &x.seccomp))
		goto out;
	if (x.spec.process.terminal) {
		if (o->console_fd >= 0)
			x.console = dup(o->console_fd);
		else if (o->console_socket)
			x.console = console_socket_connect(o->console_socket);
		else
			pr_err("process.terminal is true: --console-socket is needed");
		if (x.console < 0)
			goto out;
	} else if (o->console_socket) {
		pr_err("--console-socket given, but process.terminal is false");
		goto out;
	}
	if (state_claim(c, o->root, o->id))
		goto out;
	claimed = true;
	x.cgroup = cgroup_resolve(x.spec.cgroups_path, o->id);
	/* Rootless, without limits and without a cgroup it may write: none, as runc. */
	if (x.cgroup && rootless_no_cgroup(&x.spec, x.cgroup)) {
		free(x.cgroup);
		x.cgroup = strdup("");
	}
	c->cgroup = x.cgroup ? strdup(x.cgroup) : NULL;
	if (asprintf(&x.fifo, "%s/exec.fifo", c->dir) < 0 || !c->cgroup ||
	    fill_record(c, o, x.spec.root_path, x.spec.root_json))
		goto out;
	if (mkfifo(x.fifo, 0622) || chmod(x.fifo, 0622) ||
	    (x.fifo_fd = open(x.fifo, O_PATH | O_CLOEXEC)) < 0) {
		pr_err("%s: %s", x.fifo, strerror(errno));
		goto out;
	}
	/* The container's root reopens it for writing: make it theirs. */
	if (x.spec.n_uid_maps && fchownat(x.fifo_fd, "", root_host_id(x.spec.uid_maps,
		x.spec.n_uid_maps), root_host_id(x.spec.gid_maps, x.spec.n_gid_maps),
		AT_EMPTY_PATH)) {
		pr_err("%s: %s", x.fifo, strerror(errno));
		goto out;
	}
	x.no_pivot = o->no_pivot;
	if (child_channel(socks, o->preserve_fds))
		goto out;
	if (x.ns_fd[NS_PID] >= 0 && pidns_for_children(x.ns_fd[NS_PID], &saved_pidns))
		goto out;
	pid = spawn_init(&x, clone_flags, socks[1], socks[0]);
	pidns_restore(saved_pidns);
	if (pid < 0)
		goto out;
	close(socks[1]);
	socks[1] = -1;
	c->pid = pid;
	c->start_time = pid_start_time(pid);
	if ((x.spec.ns[NS_USER].enabled && !x.spec.ns[NS_USER].path &&
	     write_id_maps(&x.spec, pid)) ||
	    process_set_oom(pid, &x.spec.process) || cgroup_enter(c->cgroup, limits, pid))
		goto out;
	cg_made = true;
	if (serve_init(&x, c, socks[0]) || copy_config(o->bundle, c) || state_save(c))
		goto out;
	if (write_pid_file(o->pid_file, pid))
		goto out;
	rc = 0;
out:
	if (rc && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (rc && cg_made)
		cgroup_destroy(c->cgroup);
	if (rc && claimed)
		state_remove(c);
	if (socks[0] >= 0)
		close(socks[0]);
	if (socks[1] >= 0)
		close(socks[1]);
	cgroup_limits_free(limits);
	close_ctx(&x);
	return rc;
}

int container_wait_gone(const struct container *c, int ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	if (pfd < 0)
		return container_alive(c) ? -1 : 0;
	while (container_alive(c) && ms > 0) {
		poll(&p, 1, ms < 50 ? ms : 50);
		ms -= 50;
	}
	close(pfd);
	return container_alive(c) ? -1 : 0;
}

/* The hooks of the container's config.json as created. */
static int load_hooks(const struct container *c, struct hook_list hooks[HOOK_KINDS])
{
	char *path = container_config_path(c);
	int rc = path ? spec_load_hooks(path, hooks) : -1;

	free(path);
	return rc;
}

static void run_late_hooks(const struct container *c, enum hook_kind k, const char *kind,
			   enum container_status st)
{
	struct hook_list hooks[HOOK_KINDS] = { 0 };
	char *text = NULL;

	if (load_hooks(c, hooks))
		return;
	if (hooks[k].n && (text = state_json_text(c, st)))
		hooks_run_all(&hooks[k], kind, text);
	free(text);
	spec_hooks_free(hooks);
}

int container_start(struct container *c)
{
	char fifo[PATH_MAX], b = 0;
	struct pollfd p;
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->dir);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		pr_err("container %s: %s", c->id, strerror(errno));
		return -1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (container_alive(c))
		if (poll(&p, 1, 100) > 0 && read(fd, &b, 1) == 1)
			break;
	/*
	 * Gone before the loop saw its byte: a process that started wrote it before
	 * its execve, and the fifo keeps it for us while we hold it open.
	 */
	if (b != '0' && read(fd, &b, 1) != 1)
		b = 0;
	close(fd);
	unlink(fifo);
	if (b != '0') {
		pr_err("container %s: its process exited before it could start", c->id);
		return -1;
	}
	run_late_hooks(c, HOOK_POSTSTART, "poststart", ST_RUNNING);
	return 0;
}

int container_kill_all(const struct container *c, int sig)
{
	pid_t *pids = NULL;
	size_t n = 0, i;

	if (cgroup_pids(c->cgroup, &pids, &n))
		return -1;
	for (i = 0; i < n; i++)
		kill(pids[i], sig);
	free(pids);
	return 0;
}

/* Every process of it, the init too (without a cgroup, rootless, the init alone). */
static void kill_all(const struct container *c, int sig)
{
	if (*c->cgroup)
		container_kill_all(c, sig);
	if (container_alive(c))
		kill(c->pid, sig);
}

int container_delete(struct container *c, bool force)
{
	enum container_status st = container_status(c);

	if (st == ST_RUNNING || st == ST_PAUSED) {
		if (!force) {
			pr_err("container %s is %s: stop it first, or delete --force", c->id,
			       status_name(st));
			return -1;
		}
	}
	if (st != ST_STOPPED) {
		kill_all(c, SIGKILL);
		if (st == ST_PAUSED)
			cgroup_freeze(c->cgroup, false);
		if (container_wait_gone(c, 5000)) {
			pr_err("container %s: its process %d does not die", c->id, (int)c->pid);
			return -1;
		}
	}
	/* Processes the init left behind (it had no pid namespace of its own) go too. */
	kill_all(c, SIGKILL);
	run_late_hooks(c, HOOK_POSTSTOP, "poststop", ST_STOPPED);
	if (cgroup_destroy(c->cgroup))
		return -1;
	state_remove(c);
	return 0;
}
