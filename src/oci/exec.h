/* `exec`: one more process in a running container's namespaces and cgroup. */
#ifndef VESSEL_OCI_EXEC_H
#define VESSEL_OCI_EXEC_H

#include "oci/state.h"

#include <signal.h>
#include <stdbool.h>

struct exec_opts {
	const char *process_file;	/* a process object (JSON); else the fields below */
	char **args;
	const char *cwd, *user;		/* user: "uid[:gid]" */
	char **env, **caps;		/* added to the container's */
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool tty, tty_set, no_new_privs, detach;
	const char *console_socket, *pid_file;
	const char *apparmor, *process_label;	/* replace the container's */
	int preserve_fds;
};

/* Run it; without detach, wait and give its exit status (128+N for signal N). */
int container_exec(const struct container *c, const struct exec_opts *o, int *status);

/* Wait for our child @pid, passing on the signals we get; its status as a shell gives it. */
int wait_forwarding(pid_t pid);
/* The signals wait_forwarding passes on (and SIGCHLD); block them before the child exists. */
void forwarded_signals(sigset_t *set);

#endif
