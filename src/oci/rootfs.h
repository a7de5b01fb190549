/* The container's file system view, built in its new mount namespace. */
#ifndef VESSEL_OCI_ROOTFS_H
#define VESSEL_OCI_ROOTFS_H

#include "oci/spec.h"

#include <stdbool.h>

/*
 * Before the root changes: / made rslave, the rootfs bound on itself, the
 * spec's mounts (resolved inside the rootfs, never through its symlinks out of
 * it), the default and the spec's devices, and the /dev symlinks. @userns: the
 * container has its own user namespace (devices are bound, not made).
 */
int rootfs_prepare(const struct oci_spec *s, const char *cgroup_path, bool userns);
/* pivot_root into the rootfs (or chroot: @no_pivot, or no mount namespace), drop the old root. */
int rootfs_enter(const struct oci_spec *s, bool no_pivot);
/* After: sysctls, masked and read-only paths, a read-only root, rootfsPropagation on /. */
int rootfs_finish(const struct oci_spec *s);

#endif
