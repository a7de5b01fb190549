/*
 * Linux security module labels of a container: process.apparmorProfile,
 * process.selinuxLabel and linux.mountLabel, applied where the host has the
 * module and refused by name where it has not.
 */
#ifndef VESSEL_OCI_LSM_H
#define VESSEL_OCI_LSM_H

#include "oci/spec.h"

#include <stdbool.h>

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/*
 * Before anything is made, in the runtime: every label set has its module
 * enabled on the host (@mount_label may be NULL); else an error naming the field.
 */
int lsm_check(const struct process_config *p, const char *mount_label);
/*
 * The profile and the label for the process's next execve (the exec attributes
 * of /proc/thread-self/attr, as runc writes them); nothing if neither is set.
 */
int lsm_set_exec(const struct process_config *p);
/* A mount's @data (or NULL) with @label as its SELinux context= option; NULL: out of memory. */
char *lsm_mount_data(const char *data, const char *label);
/* @path (an fd path of a mount) labelled @label: the mounts that take no context= (mqueue). */
int lsm_label_path(const char *path, const char *label);

#endif
