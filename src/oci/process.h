/* The last steps before a container process runs: process.* applied to the calling process. */
#ifndef VESSEL_OCI_PROCESS_H
#define VESSEL_OCI_PROCESS_H

#include "oci/seccomp.h"
#include "oci/spec.h"

#include <limits.h>
#include <stdbool.h>

/*
 * Make the pid namespace @fd that of our next children; *@saved keeps ours, for
 * pidns_restore right after the fork (threads made later, a sanitizer's too,
 * must not land in the container).
 */
int pidns_for_children(int fd, int *saved);
void pidns_restore(int saved);
/*
 * The runtime's channel to a process it is about to make (@socks, close-on-exec),
 * and every fd of ours from 3 + @preserve_fds up marked close-on-exec: none reaches
 * the container.
 */
int child_channel(int socks[2], int preserve_fds);
/* oomScoreAdj of @pid, from outside: a user namespace may not write its own. */
int process_set_oom(pid_t pid, const struct process_config *p);
/* rlimits, umask and cwd (while still privileged). */
int process_prepare(const struct process_config *p);
/* args[0] found through the PATH of the process's env (or the default PATH). */
int process_resolve(const struct process_config *p, char exe[PATH_MAX]);
/*
 * The LSM exec labels, the bounding set, groups, gid and uid, then the other capability sets and
 * no_new_privs. Without noNewPrivileges the seccomp filter is loaded here,
 * while CAP_SYS_ADMIN is still held; *@loaded says whether it was.
 */
int process_identity(const struct process_config *p, bool userns, struct seccomp_filter *f,
		     bool *loaded);
/* Load the filter if not loaded yet, then execve; returns only on failure. */
int process_exec(const struct process_config *p, const char *exe, struct seccomp_filter *f,
		 bool loaded);

#endif
