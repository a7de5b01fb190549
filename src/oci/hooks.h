/* OCI hooks (config.md "POSIX-platform Hooks"): each runs with the state on stdin. */
#ifndef VESSEL_OCI_HOOKS_H
#define VESSEL_OCI_HOOKS_H

#include "oci/spec.h"

/*
 * Run every hook of @l in order with @state (JSON text) on its stdin; stop at
 * the first that fails (non-zero exit, signal, timeout: each an error naming
 * the hook). Returns -1 on failure.
 */
int hooks_run(const struct hook_list *l, const char *kind, const char *state);
/* Same, but a failure is only a warning and all run (poststart, poststop). */
void hooks_run_all(const struct hook_list *l, const char *kind, const char *state);

#endif
