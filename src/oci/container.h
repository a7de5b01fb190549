/* The container lifecycle (runtime.md "Lifecycle" and "Operations"). */
#ifndef VESSEL_OCI_CONTAINER_H
#define VESSEL_OCI_CONTAINER_H

#include "oci/state.h"

#include <stdbool.h>
#include <sys/types.h>

struct create_opts {
	const char *root, *id, *bundle;
	const char *console_socket, *pid_file;
	bool no_pivot, systemd_cgroup;
	int preserve_fds;
	int console_fd;		/* run: a socket of our own for the pty master; else -1 */
};

/*
 * Create a container: its init process waits in its namespaces and cgroup for
 * `start`. On failure nothing is left: no state, cgroup, mount or process.
 */
int container_create(const struct create_opts *o, struct container *c);
/* Let the created container's process run; poststart hooks follow. */
int container_start(struct container *c);
/* @sig to every process in the container's cgroup (kill --all). */
int container_kill_all(const struct container *c, int sig);
/* Remove a stopped (or, with @force, any) container, running its poststop hooks. */
int container_delete(struct container *c, bool force);
/* Wait until the container's init has gone, at most @ms milliseconds. */
int container_wait_gone(const struct container *c, int ms);
/* The container's config.json as created (exec and poststop read it again). */
char *container_config_path(const struct container *c);

#endif
