#include "oci/exec.h"
#include "oci/cgroup.h"
#include "oci/container.h"
#include "oci/lsm.h"
#include "oci/process.h"
#include "oci/seccomp.h"
#include "oci/spec.h"
#include "oci/sync.h"
#include "oci/terminal.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <unistd.h>

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

void forwarded_signals(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

int wait_forwarding(pid_t pid)
{
	sigset_t set, old;
	siginfo_t si;
	int status;

	forwarded_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = 1 << 8;
			break;
		}
		if (sigwaitinfo(&set, &si) > 0 && si.si_signo != SIGCHLD)
			kill(pid, si.si_signo);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* The process to run: --process FILE, or the container's process with the options applied. */
static int build_process(const struct oci_spec *s, const struct exec_opts *o,
			 struct process_config *p)
{
	json_t *proc, *j;
	json_error_t jerr;
	size_t i;
	int rc;

	if (o->process_file) {
		proc = json_load_file(o->process_file, 0, &jerr);
		if (!proc) {
			pr_err("--process %s: %s", o->process_file, jerr.text);
			return -1;
		}
	} else {
		proc = json_deep_copy(json_object_get(s->root_json, "process"));
		if (!proc)
			return -1;
		j = json_array();
		for (i = 0; o->args && o->args[i]; i++)
			json_array_append_new(j, json_string(o->args[i]));
		json_object_set_new(proc, "args", j);
		if (o->cwd)
			json_object_set_new(proc, "cwd", json_string(o->cwd));
		if (o->tty_set)
			json_object_set_new(proc, "terminal", json_boolean(o->tty));
		if (o->no_new_privs)
			json_object_set_new(proc, "noNewPrivileges", json_true());
		if (o->apparmor)
			json_object_set_new(proc, "apparmorProfile", json_string(o->apparmor));
		if (o->process_label)
			json_object_set_new(proc, "selinuxLabel", json_string(o->process_label));
		j = json_object_get(proc, "env");
		if (!json_is_array(j))
			json_object_set_new(proc, "env", j = json_array());
		for (i = 0; o->env && o->env[i]; i++)
			json_array_append_new(j, json_string(o->env[i]));
		if (o->user) {
			unsigned uid, gid = 0;
			int n = sscanf(o->user, "%u:%u", &uid, &gid);

			if (n < 1) {
				pr_err("--user %s: expected UID[:GID]", o->user);
				json_decref(proc);
				return -1;
			}
			j = json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
			json_object_set_new(proc, "user", j);
		}
		if (o->n_additional_gids) {
			json_t *user = json_object_get(proc, "user"), *g = json_array();

			for (i = 0; i < o->n_additional_gids; i++)
				json_array_append_new(g, json_integer(o->additional_gids[i]));
			if (!user)
				json_object_set_new(proc, "user", user = json_object());
			json_object_set_new(user, "additionalGids", g);
		}
		if (o->caps) {
			static const char *const sets[] = { "bounding", "effective", "permitted",
							     "inheritable" };
			json_t *caps = json_object_get(proc, "capabilities");
			size_t k;

			if (!caps)
				json_object_set_new(proc, "capabilities", caps = json_object());
			for (k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
				json_t *a = json_object_get(caps, sets[k]);

				if (!json_is_array(a))
					json_object_set_new(caps, sets[k], a = json_array());
				for (i = 0; o->caps[i]; i++)
					json_array_append_new(a, json_string(o->caps[i]));
			}
		}
	}
	rc = spec_parse_process(proc, "process", p);
	json_decref(proc);
	return rc;
}

struct exec_ctx {
	const struct container *c;
	struct process_config proc;
	struct seccomp_filter *seccomp;
	int ns_fd[NS_COUNT];
	int console, sync;
	int root_fd;		/* the init's root, for a container without a mount namespace */
	bool userns;
};

/* The container's namespaces that are not already ours. */
static int open_namespaces(struct exec_ctx *x)
{
	unsigned t;

	for (t = 0; t < NS_COUNT; t++) {
		char path[64], self[64];
		struct stat a, b;

		x->ns_fd[t] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->c->pid, ns_proc_name(t));
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_proc_name(t));
		if (stat(path, &a) || (!stat(self, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev))
			continue;
		x->ns_fd[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (x->ns_fd[t] < 0) {
			pr_err("container %s: %s: %s", x->c->id, path, strerror(errno));
			return -1;
		}
	}
	x->userns = x->ns_fd[NS_USER] >= 0;
	return 0;
}

static int open_root(struct exec_ctx *x)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)x->c->pid);
	x->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->root_fd < 0) {
		pr_err("container %s: %s: %s", x->c->id, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int exec_setup(struct exec_ctx *x, char exe[PATH_MAX], bool *loaded)
{
	static const enum ns_type order[] = { NS_USER, NS_IPC, NS_UTS, NS_NET, NS_CGROUP, NS_TIME,
					      NS_MNT };
	char buf[16];
	size_t i;

	if (sync_recv(x->sync, buf, sizeof(buf)) != SYNC_GO)
		return -1;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (x->ns_fd[order[i]] < 0)
			continue;
		if (setns(x->ns_fd[order[i]], ns_clone_flag(order[i]))) {
			pr_err("joining the container's %s namespace: %s", ns_name(order[i]),
			       strerror(errno));
			return -1;
		}
	}
	/* Its mount table is ours: its root is the init's chroot. */
	if (x->root_fd >= 0 && (fchdir(x->root_fd) || chroot(".") || chdir("/"))) {
		pr_err("entering the container's root: %s", strerror(errno));
		return -1;
	}
	if (x->proc.terminal &&
	    terminal_setup(x->console, x->proc.console_rows, x->proc.console_cols, x->proc.uid,
			   x->proc.gid, false))
		return -1;
	if (process_prepare(&x->proc) || process_resolve(&x->proc, exe))
		return -1;
	return process_identity(&x->proc, x->userns, x->seccomp, loaded);
}

static void __attribute__((noreturn)) exec_child(struct exec_ctx *x)
{
	char exe[PATH_MAX];
	bool loaded = false;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);	/* as the init: see container.c */
	sigprocmask(SIG_SETMASK, &(sigset_t){ 0 }, NULL);
	log_set_sink(sync_log_sink, &x->sync);
	if (!exec_setup(x, exe, &loaded))
		process_exec(&x->proc, exe, x->seccomp, loaded);
	_exit(127);
}

/* Serve the child until its exec: EOF on the close-on-exec socket means it ran. */
static int await_exec(int sock)
{
	static char buf[SYNC_MAX];
	int t, failed = 0;

	while ((t = sync_recv(sock, buf, sizeof(buf))) > 0) {
		sync_log_print(t, buf);
		failed |= t == SYNC_LOG_ERR;
	}
	return failed || t < 0 ? -1 : 0;
}

int container_exec(const struct container *c, const struct exec_opts *o, int *status)
{
	struct exec_ctx x = { .c = c, .console = -1, .sync = -1, .root_fd = -1 };
	struct oci_spec spec;
	char *config = container_config_path(c);
	int socks[2] = { -1, -1 }, rc = -1, saved_pidns = -1;
	enum container_status st = container_status(c);
	pid_t pid = -1;
	unsigned t;

	memset(x.ns_fd, -1, sizeof(x.ns_fd));
	if (st != ST_RUNNING && st != ST_CREATED) {
		pr_err("container %s is %s: exec needs it running", c->id, status_name(st));
		free(config);
		return -1;
	}
	if (!config || spec_load_file(config, c->bundle, &spec)) {
		free(config);
		return -1;
	}
	free(config);
	if (build_process(&spec, o, &x.proc) || lsm_check(&x.proc, NULL) ||
	    seccomp_filter_parse(spec.seccomp, &x.seccomp) ||
	    open_namespaces(&x) || (!spec.ns[NS_MNT].enabled && open_root(&x)))
		goto out;
	if (x.proc.terminal) {
		x.console = o->console_socket ? console_socket_connect(o->console_socket) : -1;
		if (!o->console_socket)
			pr_err("a terminal needs --console-socket");
		if (x.console < 0)
			goto out;
	}
	if (child_channel(socks, o->preserve_fds))
		goto out;
	if (x.ns_fd[NS_PID] >= 0 && pidns_for_children(x.ns_fd[NS_PID], &saved_pidns))
		goto out;
	pid = fork();
	if (pid)
		pidns_restore(saved_pidns);
	if (pid < 0) {
		pr_err("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(socks[0]);
		x.sync = socks[1];
		exec_child(&x);
	}
	close(socks[1]);
	socks[1] = -1;
	if (process_set_oom(pid, &x.proc) || cgroup_join(c->cgroup, pid) ||
	    sync_send(socks[0], SYNC_GO, NULL, 0) || await_exec(socks[0])) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (write_pid_file(o->pid_file, pid))
		goto out;
	*status = o->detach ? 0 : wait_forwarding(pid);
	rc = 0;
out:
	for (t = 0; t < NS_COUNT; t++)
		if (x.ns_fd[t] >= 0)
			close(x.ns_fd[t]);
	if (x.console >= 0)
		close(x.console);
	if (x.root_fd >= 0)
		close(x.root_fd);
	if (socks[0] >= 0)
		close(socks[0]);
	seccomp_filter_free(x.seccomp);
	spec_process_free(&x.proc);
	spec_free(&spec);
	return rc;
}
