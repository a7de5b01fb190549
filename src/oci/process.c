#include "oci/process.h"
#include "oci/lsm.h"
#include "oci/state.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int set_rlimit(const struct rlimit_entry *r)
{
	if (!setrlimit(r->resource, &r->limit))
		return 0;
	if (errno == EPERM)
		pr_err("process.rlimits %s: raising the hard limit to %llu needs CAP_SYS_RESOURCE, "
		       "which this runtime's bounding set lacks", r->name,
		       (unsigned long long)r->limit.rlim_max);
	else
		pr_err("process.rlimits %s: %s", r->name, strerror(errno));
	return -1;
}

int pidns_for_children(int fd, int *saved)
{
	*saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || setns(fd, CLONE_NEWPID)) {
		pr_err("joining the container's pid namespace: %s", strerror(errno));
		if (*saved >= 0)
			close(*saved);
		*saved = -1;
		return -1;
	}
	return 0;
}

void pidns_restore(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWPID))
		pr_warn("back to our pid namespace: %s", strerror(errno));
	close(saved);
}

int child_channel(int socks[2], int preserve_fds)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks)) {
		pr_err("socketpair: %s", strerror(errno));
		return -1;
	}
	syscall(SYS_close_range, 3 + preserve_fds, ~0u, 4 /* CLOSE_RANGE_CLOEXEC */);
	return 0;
}

int process_set_oom(pid_t pid, const struct process_config *p)
{
	char path[64], v[16];

	if (!p->has_oom_score_adj)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	if (write_existing(path, v)) {
		pr_err("process.oomScoreAdj %d: %s", p->oom_score_adj, strerror(errno));
		return -1;
	}
	return 0;
}

int process_prepare(const struct process_config *p)
{
	size_t i;

	for (i = 0; i < p->n_rlimits; i++)
		if (set_rlimit(&p->rlimits[i]))
			return -1;
	umask(p->has_umask ? p->umask : 022);
	if (chdir(p->cwd)) {
		pr_err("process.cwd %s: %s", p->cwd, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *env_path(const struct process_config *p)
{
	size_t i;

	for (i = 0; p->env && p->env[i]; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			return p->env[i] + 5;
	return DEFAULT_PATH;
}

int process_resolve(const struct process_config *p, char exe[PATH_MAX])
{
	const char *name = p->args[0], *dirs = env_path(p), *end;
	struct stat st;

	if (strchr(name, '/')) {
		if (snprintf(exe, PATH_MAX, "%s", name) >= PATH_MAX || access(exe, X_OK)) {
			pr_err("exec %s: %s", name, strerror(errno));
			return -1;
		}
		return 0;
	}
	for (; *dirs; dirs = *end ? end + 1 : end) {
		end = strchrnul(dirs, ':');
		if (snprintf(exe, PATH_MAX, "%.*s/%s", (int)(end - dirs), dirs, name) >= PATH_MAX)
			continue;
		if (!stat(exe, &st) && S_ISREG(st.st_mode) && !access(exe, X_OK))
			return 0;
	}
	pr_err("exec %s: executable file not found in $PATH", name);
	return -1;
}

static int set_ids(const struct process_config *p, bool userns)
{
	if (setgroups(p->n_additional_gids, p->additional_gids) &&
	    !(userns && errno == EPERM && !p->n_additional_gids)) {
		pr_err("process.user.additionalGids: %s", strerror(errno));
		return -1;
	}
	if (setresgid(p->gid, p->gid, p->gid)) {
		pr_err("process.user.gid %u: %s", p->gid, strerror(errno));
		return -1;
	}
	if (setresuid(p->uid, p->uid, p->uid)) {
		pr_err("process.user.uid %u: %s", p->uid, strerror(errno));
		return -1;
	}
	return 0;
}

int process_identity(const struct process_config *p, bool userns, struct seccomp_filter *f,
		     bool *loaded)
{
	*loaded = false;
	/* As runc: the labels while the process is still privileged and unfiltered. */
	if (lsm_set_exec(p))
		return -1;
	if (p->has_caps && caps_apply_bounding(&p->caps))
		return -1;
	if (f && !p->no_new_privileges) {
		if (seccomp_filter_load(f))
			return -1;
		*loaded = true;
	}
	/*
	 * Without process.capabilities the uid decides, as runc: root keeps the
	 * runtime's set, any other uid loses all at the uid change.
	 */
	if (!p->has_caps) {
		if (set_ids(p, userns))
			return -1;
	} else if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || set_ids(p, userns) ||
		   prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) || caps_apply(&p->caps)) {
		return -1;
	}
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		pr_err("process.noNewPrivileges: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int process_exec(const struct process_config *p, const char *exe, struct seccomp_filter *f,
		 bool loaded)
{
	char *const empty[] = { NULL };

	if (f && !loaded && seccomp_filter_load(f))
		return -1;
	execve(exe, p->args, p->env ? p->env : empty);
	pr_err("exec %s: %s", exe, strerror(errno));
	return -1;
}
