/*
 * Container cgroups on cgroup v1, v2 (unified) or hybrid hosts (v1 controllers
 * plus a cgroup2 mount at /sys/fs/cgroup/unified). A container's cgroup is
 * named by one path, the same in every hierarchy ("/libpod_parent/abc").
 * Each limit goes to its v1 controller if mounted, else to cgroup2 if that
 * offers it (hybrid hosts: hugetlb, the "unified" map); a limit with neither
 * is an error. Device rules are devices.allow/deny on v1 and an eBPF program
 * on cgroup2; net_cls and net_prio exist on v1 only. The mount table is read
 * once, on first use.
 */
#ifndef VESSEL_OCI_CGROUP_H
#define VESSEL_OCI_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

enum cgroup_mode { CGROUP_V1, CGROUP_V2, CGROUP_HYBRID };

struct cgroup_limits;

/* The host's layout, read from its mounts. */
enum cgroup_mode cgroup_detect(void);

/*
 * The cgroup path for @cgroups_path of config.json (NULL: the default, "/<id>").
 * Relative paths are taken from the hierarchy roots; the systemd form
 * "slice:prefix:name" becomes "/slice/prefix-name.scope", a nested slice
 * expanded as systemd does ("a-b.slice" is "/a.slice/a-b.slice"), an empty
 * slice being system.slice and an empty name @id. Returns a malloc'ed string,
 * or NULL (reported) for "..", the root, or a malformed systemd form.
 */
char *cgroup_resolve(const char *cgroups_path, const char *id);

/* Parse and validate linux.resources (@resources may be NULL: no limits). */
int cgroup_limits_parse(const json_t *resources, struct cgroup_limits **out);
void cgroup_limits_free(struct cgroup_limits *l);

/*
 * Create @path in every hierarchy, apply @l (NULL: none) and move @pid in,
 * before the process runs anything of the container's (and before it
 * unshares a cgroup namespace, whose root is the cgroup it is in then). On
 * failure nothing created is left behind and @pid is back where it was.
 * A devices list, even empty, denies every device it does not allow.
 */
int cgroup_enter(const char *path, const struct cgroup_limits *l, pid_t pid);
/* The path "" is a container without a cgroup (rootless, no limits): nothing to do, or an error. */
/* Move @pid into an existing container cgroup (exec). */
int cgroup_join(const char *path, pid_t pid);
/* Freeze or thaw every process in it (v1 freezer, v2 cgroup.freeze); waits until done. */
int cgroup_freeze(const char *path, bool frozen);
/* 1 frozen, 0 not, -1 error. */
int cgroup_frozen(const char *path);
/* The pids in it (all hierarchies agree; read from one), malloc'ed. */
int cgroup_pids(const char *path, pid_t **pids, size_t *n);
/*
 * Remove it, and cgroups made below it, from every hierarchy (its processes
 * must be gone; a busy cgroup is retried for about a second); absent is fine.
 */
int cgroup_destroy(const char *path);

#endif
