/* config.json (OCI runtime-spec 1.x): what vessel reads of it, validated. */
#ifndef VESSEL_OCI_SPEC_H
#define VESSEL_OCI_SPEC_H

#include "oci/caps.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

enum ns_type { NS_PID, NS_NET, NS_MNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT };

struct ns_config {
	bool enabled;
	char *path;		/* join this one; NULL: a new one */
};

struct id_map {
	uint32_t container, host, size;
};

struct mount_entry {
	char *destination, *source, *type;
	unsigned long flags;		/* MS_* set */
	unsigned long clear;		/* MS_* an option cleared ("rw", "suid", ...) */
	unsigned long propagation;	/* MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE (| MS_REC) */
	char *data;			/* the options the file system takes */
	bool bind;
};

struct device_entry {
	char *path;
	char type;
	int64_t major, minor;
	uint32_t mode, uid, gid;
	bool has_mode, has_uid, has_gid;
};

struct rlimit_entry {
	int resource;
	struct rlimit limit;
	const char *name;
};

struct hook {
	char *path;
	char **args, **env;
	int64_t timeout;	/* seconds; 0: none */
};

enum hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER,
	HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KINDS
};

struct hook_list {
	struct hook *v;
	size_t n;
};

struct sysctl_entry {
	char *key, *value;
};

struct process_config {
	bool terminal;
	unsigned short console_rows, console_cols;
	char *cwd;
	char **args, **env;
	uint32_t uid, gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	struct rlimit_entry *rlimits;
	size_t n_rlimits;
	bool has_caps;
	struct caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile, *selinux_label;	/* NULL: none */
};

struct oci_spec {
	json_t *root_json;		/* the whole document (annotations, resources, seccomp) */
	char *root_path;		/* absolute */
	bool root_readonly;
	char *hostname, *domainname;
	struct process_config process;
	struct mount_entry *mounts;
	size_t n_mounts;
	struct hook_list hooks[HOOK_KINDS];
	struct ns_config ns[NS_COUNT];
	struct id_map *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	struct device_entry *devices;
	size_t n_devices;
	struct sysctl_entry *sysctl;
	size_t n_sysctl;
	char **masked_paths, **readonly_paths;
	unsigned long rootfs_propagation;	/* 0: the default (MS_REC | MS_SLAVE) */
	const char *cgroups_path;
	const char *mount_label;		/* linux.mountLabel; NULL: none */
	json_t *resources, *seccomp;
};

/* Read and validate @bundle/config.json; errors name the field. */
int spec_load(const char *bundle, struct oci_spec *spec);
/* The same from @file, a config.json kept elsewhere (the state directory's copy). */
int spec_load_file(const char *file, const char *bundle, struct oci_spec *spec);
/* Only the hooks of the config.json at @path (poststart, poststop). */
int spec_load_hooks(const char *path, struct hook_list hooks[HOOK_KINDS]);
void spec_hooks_free(struct hook_list hooks[HOOK_KINDS]);
/* Parse a process object alone (exec --process FILE). */
int spec_parse_process(const json_t *obj, const char *path, struct process_config *p);
void spec_process_free(struct process_config *p);
void spec_free(struct oci_spec *spec);

/* The namespace's name in config.json and in /proc/PID/ns. */
const char *ns_name(enum ns_type t);
const char *ns_proc_name(enum ns_type t);
int ns_clone_flag(enum ns_type t);

/* A default config.json, as `spec` writes it (rootless: with a user namespace). */
json_t *spec_default(bool rootless);

#endif
