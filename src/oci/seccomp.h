/* linux.seccomp of config.json, compiled with libseccomp. */
#ifndef VESSEL_OCI_SECCOMP_H
#define VESSEL_OCI_SECCOMP_H

#include <jansson.h>

struct seccomp_filter;

/*
 * Validate and compile @seccomp (NULL: no filter, *out = NULL): defaultAction,
 * defaultErrnoRet, architectures, flags, syscalls[] with names, action,
 * errnoRet and args (index, value, valueTwo, op). Unknown syscall names are
 * skipped as runc does, unknown actions, ops or architectures are errors naming the field.
 * SCMP_ACT_NOTIFY is refused: nothing hands the listener fd to listenerPath yet.
 * Call it in the parent, before fork: all validation is done here.
 */
int seccomp_filter_parse(const json_t *seccomp, struct seccomp_filter **out);
/*
 * Load it into the calling process (NULL: nothing to do). The filter does not
 * set no_new_privs itself, so the kernel wants either no_new_privs already set
 * or CAP_SYS_ADMIN in the effective set: with process.noNewPrivileges load
 * it last, right before execve; without it, load it before the capabilities
 * are dropped (and then the filter also sees the rest of the setup's syscalls).
 */
int seccomp_filter_load(struct seccomp_filter *f);
void seccomp_filter_free(struct seccomp_filter *f);

#endif
