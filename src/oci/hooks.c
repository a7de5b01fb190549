#include "oci/hooks.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void hook_child(const struct hook *h, int in)
{
	char *const empty[] = { NULL };
	char *argv0[] = { h->path, NULL };

	sigprocmask(SIG_SETMASK, &(sigset_t){ 0 }, NULL);	/* `run` blocks some */
	if (dup2(in, STDIN_FILENO) < 0)
		_exit(126);
	execve(h->path, h->args ? h->args : argv0, h->env ? h->env : empty);
	dprintf(STDERR_FILENO, "vessel: error: hook %s: %s\n", h->path, strerror(errno));
	_exit(127);
}

/* Wait for @pid, at most @timeout seconds (0: no limit). */
static int wait_hook(pid_t pid, int64_t timeout, int *status)
{
	int pfd;
	struct pollfd p;

	if (!timeout)
		return waitpid(pid, status, 0) == pid ? 0 : -1;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return waitpid(pid, status, 0) == pid ? 0 : -1;
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	while (poll(&p, 1, (int)(timeout * 1000)) < 0 && errno == EINTR)
		;
	close(pfd);
	if (!(p.revents & POLLIN)) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return 1;
	}
	return waitpid(pid, status, 0) == pid ? 0 : -1;
}

static int run_one(const struct hook *h, const char *kind, const char *state)
{
	int fds[2], status = 0, rc;
	size_t len = strlen(state);
	struct sigaction old_pipe;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		pr_err("%s hook %s: %s", kind, h->path, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		pr_err("%s hook %s: fork: %s", kind, h->path, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		hook_child(h, fds[0]);
	}
	close(fds[0]);
	/*
	 * A hook that does not read its stdin must not kill us with SIGPIPE; the
	 * disposition is put back, as the container's init execs after its hooks.
	 */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &old_pipe);
	if (write(fds[1], state, len) < 0 && errno != EPIPE)
		pr_debug("%s hook %s: writing the state: %s", kind, h->path, strerror(errno));
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(fds[1]);
	rc = wait_hook(pid, h->timeout, &status);
	if (rc == 1) {
		pr_err("%s hook %s: timed out after %lld s", kind, h->path, (long long)h->timeout);
		return -1;
	}
	if (rc < 0) {
		pr_err("%s hook %s: %s", kind, h->path, strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		pr_err("%s hook %s: killed by signal %d", kind, h->path, WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status)) {
		pr_err("%s hook %s: exited with status %d", kind, h->path, WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

int hooks_run(const struct hook_list *l, const char *kind, const char *state)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (run_one(&l->v[i], kind, state))
			return -1;
	return 0;
}

void hooks_run_all(const struct hook_list *l, const char *kind, const char *state)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		run_one(&l->v[i], kind, state);
}
