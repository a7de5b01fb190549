/* config.json into struct oci_spec: every value checked here, before anything is created. */
#include "oci/spec.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define MAX_ID_MAPS	340	/* the kernel's limit on uid_map lines (user_namespaces(7)) */

static const struct {
	const char *name, *proc;
	int flag;
} namespaces[NS_COUNT] = {
	[NS_PID] = { "pid", "pid", CLONE_NEWPID },
	[NS_NET] = { "network", "net", CLONE_NEWNET },
	[NS_MNT] = { "mount", "mnt", CLONE_NEWNS },
	[NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
	[NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
	[NS_USER] = { "user", "user", CLONE_NEWUSER },
	[NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

const char *ns_name(enum ns_type t)
{
	return namespaces[t].name;
}

const char *ns_proc_name(enum ns_type t)
{
	return namespaces[t].proc;
}

int ns_clone_flag(enum ns_type t)
{
	return namespaces[t].flag;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_user(const json_t *proc, const char *path, struct process_config *p)
{
	json_t *user = NULL, *gids = NULL, *g;
	int64_t v;
	size_t i;

	if (oj_object(proc, "user", path, &user))
		return -1;
	if (!user)
		return 0;
	v = 0;
	if (oj_range(user, "uid", "process.user", 0, UINT32_MAX - 1, &v))
		return -1;
	p->uid = (uint32_t)v;
	v = 0;
	if (oj_range(user, "gid", "process.user", 0, UINT32_MAX - 1, &v))
		return -1;
	p->gid = (uint32_t)v;
	v = -1;
	if (oj_range(user, "umask", "process.user", 0, 0777, &v))
		return -1;
	if (v >= 0) {
		p->has_umask = true;
		p->umask = (mode_t)v;
	}
	if (oj_array(user, "additionalGids", "process.user", &gids))
		return -1;
	if (!gids)
		return 0;
	p->additional_gids = calloc(json_array_size(gids) + 1, sizeof(gid_t));
	if (!p->additional_gids)
		return oj_error("process.user", "additionalGids", "out of memory");
	json_array_foreach(gids, i, g) {
		if (!json_is_integer(g) || json_integer_value(g) < 0 ||
		    json_integer_value(g) >= UINT32_MAX)
			return oj_error("process.user", "additionalGids",
					"element %zu: expected a group id", i);
		p->additional_gids[p->n_additional_gids++] = (gid_t)json_integer_value(g);
	}
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(const json_t *proc, struct process_config *p)
{
	json_t *arr = NULL, *r;
	size_t i, k;

	if (oj_array(proc, "rlimits", "process", &arr))
		return -1;
	if (!arr)
		return 0;
	p->rlimits = calloc(json_array_size(arr) + 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return oj_error("process", "rlimits", "out of memory");
	json_array_foreach(arr, i, r) {
		char where[48];
		const char *type = NULL;
		uint64_t hard = 0, soft = 0;
		struct rlimit_entry *e = &p->rlimits[p->n_rlimits];

		snprintf(where, sizeof(where), "process.rlimits[%zu]", i);
		if (!json_is_object(r))
			return oj_error(where, NULL, "expected an object");
		if (oj_string(r, "type", where, &type) || oj_uint64(r, "hard", where, &hard) ||
		    oj_uint64(r, "soft", where, &soft))
			return -1;
		if (!type)
			return oj_error(where, "type", "missing");
		for (k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (!strcmp(rlimit_names[k].name, type))
				break;
		if (k == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
			return oj_error(where, "type", "unknown resource '%s'", type);
		if (soft > hard)
			return oj_error(where, "soft", "%llu is above the hard limit %llu",
					(unsigned long long)soft, (unsigned long long)hard);
		e->resource = rlimit_names[k].resource;
		e->name = rlimit_names[k].name;
		e->limit.rlim_cur = soft;
		e->limit.rlim_max = hard;
		p->n_rlimits++;
	}
	return 0;
}

/* An LSM label or profile name: it goes into a mount option's quotes and an attribute write. */
static int check_label(const char *label, const char *where, const char *key)
{
	const char *c;

	if (!*label)
		return oj_error(where, key, "empty");
	for (c = label; *c; c++)
		if (*c == '"' || (unsigned char)*c < 0x20)
			return oj_error(where, key, "'%s' holds a quote or a control character", label);
	return 0;
}

static int parse_label(const json_t *obj, const char *key, const char *where, char **out)
{
	const char *label = NULL;

	if (oj_string(obj, key, where, &label))
		return -1;
	if (!label)
		return 0;
	if (check_label(label, where, key))
		return -1;
	*out = strdup(label);
	return *out ? 0 : oj_error(where, key, "out of memory");
}

int spec_parse_process(const json_t *proc, const char *path, struct process_config *p)
{
	json_t *size = NULL, *caps = NULL;
	const char *cwd = NULL;
	int64_t v;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(proc))
		return oj_error(path, NULL, "expected an object");
	if (oj_bool(proc, "terminal", path, &p->terminal) ||
	    oj_object(proc, "consoleSize", path, &size) || oj_string(proc, "cwd", path, &cwd) ||
	    oj_strv(proc, "args", path, &p->args) || oj_strv(proc, "env", path, &p->env) ||
	    parse_user(proc, path, p) || parse_rlimits(proc, p) ||
	    oj_object(proc, "capabilities", path, &caps) ||
	    oj_bool(proc, "noNewPrivileges", path, &p->no_new_privileges))
		return -1;
	if (size) {
		v = 0;
		if (oj_range(size, "height", "process.consoleSize", 0, USHRT_MAX, &v))
			return -1;
		p->console_rows = (unsigned short)v;
		v = 0;
		if (oj_range(size, "width", "process.consoleSize", 0, USHRT_MAX, &v))
			return -1;
		p->console_cols = (unsigned short)v;
	}
	if (!p->args || !p->args[0])
		return oj_error(path, "args", "missing: the process needs at least one argument");
	if (!cwd)
		cwd = "/";
	if (cwd[0] != '/')
		return oj_error(path, "cwd", "'%s' is not an absolute path", cwd);
	p->cwd = strdup(cwd);
	if (caps) {
		p->has_caps = true;
		if (caps_parse(caps, "process.capabilities", &p->caps))
			return -1;
	}
	if (parse_label(proc, "apparmorProfile", path, &p->apparmor_profile) ||
	    parse_label(proc, "selinuxLabel", path, &p->selinux_label))
		return -1;
	v = INT64_MIN;
	if (oj_range(proc, "oomScoreAdj", path, -1000, 1000, &v))
		return -1;
	if (v != INT64_MIN) {
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)v;
	}
	if (!p->cwd)
		return oj_error(path, "cwd", "out of memory");
	return 0;
}

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "suid", 0, MS_NOSUID }, { "nosuid", MS_NOSUID, 0 },
	{ "dev", 0, MS_NODEV }, { "nodev", MS_NODEV, 0 },
	{ "exec", 0, MS_NOEXEC }, { "noexec", MS_NOEXEC, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 }, { "remount", MS_REMOUNT, 0 },
	{ "mand", MS_MANDLOCK, 0 }, { "nomand", 0, MS_MANDLOCK },
	{ "atime", 0, MS_NOATIME }, { "noatime", MS_NOATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME }, { "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 }, { "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 }, { "nostrictatime", 0, MS_STRICTATIME },
	{ "lazytime", MS_LAZYTIME, 0 }, { "nolazytime", 0, MS_LAZYTIME },
	{ "bind", MS_BIND, 0 }, { "rbind", MS_BIND | MS_REC, 0 },
	{ "silent", MS_SILENT, 0 }, { "loud", 0, MS_SILENT },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static unsigned long find_propagation(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
		if (!strcmp(propagations[i].name, name))
			return propagations[i].flags;
	return 0;
}

static int append_data(char **data, const char *opt)
{
	char *n;

	if (asprintf(&n, "%s%s%s", *data ? *data : "", *data ? "," : "", opt) < 0)
		return -1;
	free(*data);
	*data = n;
	return 0;
}

static int parse_mount_options(const json_t *opts, const char *where, struct mount_entry *m)
{
	json_t *o;
	size_t i, k;

	json_array_foreach(opts, i, o) {
		const char *s = json_string_value(o);

		if (!s)
			return oj_error(where, "options", "element %zu: expected a string", i);
		for (k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++)
			if (!strcmp(mount_flags[k].name, s))
				break;
		if (k < sizeof(mount_flags) / sizeof(mount_flags[0])) {
			m->flags = (m->flags & ~mount_flags[k].clear) | mount_flags[k].set;
			m->clear = (m->clear & ~mount_flags[k].set) | mount_flags[k].clear;
		} else if (find_propagation(s)) {
			m->propagation = find_propagation(s);
		} else if (!strcmp(s, "idmap") || !strcmp(s, "ridmap") || !strncmp(s, "tmpcopyup", 9)) {
			return oj_error(where, "options", "option '%s' is not supported", s);
		} else if (append_data(&m->data, s)) {
			return oj_error(where, "options", "out of memory");
		}
	}
	m->bind = m->flags & MS_BIND;
	return 0;
}

static int parse_mounts(const json_t *root, struct oci_spec *spec)
{
	json_t *arr = NULL, *mj;
	size_t i;

	if (oj_array(root, "mounts", "", &arr))
		return -1;
	if (!arr)
		return 0;
	spec->mounts = calloc(json_array_size(arr) + 1, sizeof(*spec->mounts));
	if (!spec->mounts)
		return oj_error("mounts", NULL, "out of memory");
	json_array_foreach(arr, i, mj) {
		struct mount_entry *m = &spec->mounts[spec->n_mounts];
		const char *dst = NULL, *src = NULL, *type = NULL;
		json_t *opts = NULL;
		char where[32];

		snprintf(where, sizeof(where), "mounts[%zu]", i);
		if (!json_is_object(mj))
			return oj_error(where, NULL, "expected an object");
		if (oj_string(mj, "destination", where, &dst) || oj_string(mj, "source", where, &src) ||
		    oj_string(mj, "type", where, &type) || oj_array(mj, "options", where, &opts))
			return -1;
		if (!dst)
			return oj_error(where, "destination", "missing");
		if (dst[0] != '/')
			return oj_error(where, "destination", "'%s' is not an absolute path", dst);
		m->destination = strdup(dst);
		m->source = dup_or_null(src);
		m->type = dup_or_null(type);
		spec->n_mounts++;
		if (opts && parse_mount_options(opts, where, m))
			return -1;
		if (type && !strcmp(type, "bind"))
			m->bind = true;
		if (!m->bind && !type)
			return oj_error(where, "type", "missing (and the options ask for no bind mount)");
		if (m->bind && !src)
			return oj_error(where, "source", "missing for a bind mount");
	}
	return 0;
}

static int parse_hook_list(const json_t *hooks, const char *key, struct hook_list *l)
{
	json_t *arr = NULL, *h;
	size_t i;

	if (oj_array(hooks, key, "hooks", &arr))
		return -1;
	if (!arr)
		return 0;
	l->v = calloc(json_array_size(arr) + 1, sizeof(*l->v));
	if (!l->v)
		return oj_error("hooks", key, "out of memory");
	json_array_foreach(arr, i, h) {
		struct hook *hk = &l->v[l->n];
		const char *path = NULL;
		char where[64];

		snprintf(where, sizeof(where), "hooks.%s[%zu]", key, i);
		if (!json_is_object(h))
			return oj_error(where, NULL, "expected an object");
		l->n++;
		if (oj_string(h, "path", where, &path) || oj_strv(h, "args", where, &hk->args) ||
		    oj_strv(h, "env", where, &hk->env) ||
		    oj_range(h, "timeout", where, 1, INT32_MAX, &hk->timeout))
			return -1;
		if (!path)
			return oj_error(where, "path", "missing");
		if (path[0] != '/')
			return oj_error(where, "path", "'%s' is not an absolute path", path);
		hk->path = strdup(path);
	}
	return 0;
}

static int parse_hooks(const json_t *root, struct oci_spec *spec)
{
	static const char *const keys[HOOK_KINDS] = {
		[HOOK_PRESTART] = "prestart", [HOOK_CREATE_RUNTIME] = "createRuntime",
		[HOOK_CREATE_CONTAINER] = "createContainer",
		[HOOK_START_CONTAINER] = "startContainer", [HOOK_POSTSTART] = "poststart",
		[HOOK_POSTSTOP] = "poststop",
	};
	json_t *hooks = NULL;
	unsigned k;

	if (oj_object(root, "hooks", "", &hooks))
		return -1;
	for (k = 0; hooks && k < HOOK_KINDS; k++)
		if (parse_hook_list(hooks, keys[k], &spec->hooks[k]))
			return -1;
	return 0;
}

static int parse_namespaces(const json_t *lx, struct oci_spec *spec)
{
	json_t *arr = NULL, *n;
	size_t i;
	unsigned t;

	if (oj_array(lx, "namespaces", "linux", &arr))
		return -1;
	json_array_foreach(arr, i, n) {
		const char *type = NULL, *path = NULL;
		char where[40];

		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		if (!json_is_object(n))
			return oj_error(where, NULL, "expected an object");
		if (oj_string(n, "type", where, &type) || oj_string(n, "path", where, &path))
			return -1;
		if (!type)
			return oj_error(where, "type", "missing");
		for (t = 0; t < NS_COUNT; t++)
			if (!strcmp(namespaces[t].name, type))
				break;
		if (t == NS_COUNT)
			return oj_error(where, "type", "unknown namespace type '%s'", type);
		if (spec->ns[t].enabled)
			return oj_error(where, "type", "namespace '%s' listed twice", type);
		if (path && path[0] != '/')
			return oj_error(where, "path", "'%s' is not an absolute path", path);
		spec->ns[t].enabled = true;
		spec->ns[t].path = dup_or_null(path);
	}
	return 0;
}

static int parse_id_maps(const json_t *lx, const char *key, struct id_map **out, size_t *n)
{
	json_t *arr = NULL, *m;
	size_t i;

	if (oj_array(lx, key, "linux", &arr))
		return -1;
	if (!arr)
		return 0;
	if (json_array_size(arr) > MAX_ID_MAPS)
		return oj_error("linux", key, "%zu entries; the kernel takes at most %d",
				json_array_size(arr), MAX_ID_MAPS);
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return oj_error("linux", key, "out of memory");
	json_array_foreach(arr, i, m) {
		int64_t c = -1, h = -1, s = -1;
		char where[40];

		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		if (!json_is_object(m))
			return oj_error(where, NULL, "expected an object");
		if (oj_range(m, "containerID", where, 0, UINT32_MAX - 1, &c) ||
		    oj_range(m, "hostID", where, 0, UINT32_MAX - 1, &h) ||
		    oj_range(m, "size", where, 1, UINT32_MAX, &s))
			return -1;
		if (c < 0 || h < 0 || s < 0)
			return oj_error(where, NULL, "needs containerID, hostID and size");
		(*out)[(*n)++] = (struct id_map){ (uint32_t)c, (uint32_t)h, (uint32_t)s };
	}
	return 0;
}

static int parse_devices(const json_t *lx, struct oci_spec *spec)
{
	json_t *arr = NULL, *d;
	size_t i;

	if (oj_array(lx, "devices", "linux", &arr))
		return -1;
	if (!arr)
		return 0;
	spec->devices = calloc(json_array_size(arr) + 1, sizeof(*spec->devices));
	if (!spec->devices)
		return oj_error("linux", "devices", "out of memory");
	json_array_foreach(arr, i, d) {
		struct device_entry *e = &spec->devices[spec->n_devices];
		const char *path = NULL, *type = NULL;
		int64_t v;
		char where[40];

		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		if (!json_is_object(d))
			return oj_error(where, NULL, "expected an object");
		if (oj_string(d, "path", where, &path) || oj_string(d, "type", where, &type) ||
		    oj_range(d, "major", where, 0, 0xfff, &e->major) ||
		    oj_range(d, "minor", where, 0, 0xfffff, &e->minor))
			return -1;
		if (!path || path[0] != '/')
			return oj_error(where, "path", "needs an absolute path");
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
			return oj_error(where, "type", "'%s' is not a device type (c, b, u or p)",
					type ? type : "");
		v = -1;
		if (oj_range(d, "fileMode", where, 0, 07777, &v))
			return -1;
		e->has_mode = v >= 0;
		e->mode = (uint32_t)(v >= 0 ? v : 0666);
		v = -1;
		if (oj_range(d, "uid", where, 0, UINT32_MAX - 1, &v))
			return -1;
		e->has_uid = v >= 0;
		e->uid = (uint32_t)(v >= 0 ? v : 0);
		v = -1;
		if (oj_range(d, "gid", where, 0, UINT32_MAX - 1, &v))
			return -1;
		e->has_gid = v >= 0;
		e->gid = (uint32_t)(v >= 0 ? v : 0);
		e->path = strdup(path);
		e->type = type[0];
		spec->n_devices++;
	}
	return 0;
}

static int parse_sysctl(const json_t *lx, struct oci_spec *spec)
{
	json_t *obj = NULL, *v;
	const char *key;

	if (oj_object(lx, "sysctl", "linux", &obj))
		return -1;
	if (!obj)
		return 0;
	spec->sysctl = calloc(json_object_size(obj) + 1, sizeof(*spec->sysctl));
	if (!spec->sysctl)
		return oj_error("linux", "sysctl", "out of memory");
	json_object_foreach(obj, key, v) {
		if (!json_is_string(v))
			return oj_error("linux.sysctl", key, "expected a string");
		if (!*key || strstr(key, "..") || strchr(key, '/'))
			return oj_error("linux.sysctl", key, "not a sysctl name");
		spec->sysctl[spec->n_sysctl].key = strdup(key);
		spec->sysctl[spec->n_sysctl++].value = strdup(json_string_value(v));
	}
	return 0;
}

/*
 * Only sysctls of the container's own namespaces (runc's list): any other is
 * the host's, and a container must not change those.
 */
static int check_sysctl(const struct oci_spec *spec, const char *key)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
					   "kernel.sem", "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };
	size_t i;

	for (i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (!strcmp(key, ipc[i]))
			return spec->ns[NS_IPC].enabled ? 0 :
			       oj_error("linux.sysctl", key, "needs an ipc namespace");
	if (!strncmp(key, "fs.mqueue.", 10))
		return spec->ns[NS_IPC].enabled ? 0 :
		       oj_error("linux.sysctl", key, "needs an ipc namespace");
	if (!strncmp(key, "net.", 4))
		return spec->ns[NS_NET].enabled ? 0 :
		       oj_error("linux.sysctl", key, "needs a network namespace");
	if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname"))
		return spec->ns[NS_UTS].enabled ? 0 :
		       oj_error("linux.sysctl", key, "needs a uts namespace");
	return oj_error("linux.sysctl", key, "not a sysctl of the container's namespaces "
			"(it would change the host's)");
}

static int parse_linux(const json_t *root, struct oci_spec *spec)
{
	json_t *lx = NULL;
	const char *prop = NULL;
	size_t i;

	if (oj_object(root, "linux", "", &lx))
		return -1;
	if (!lx)
		return 0;
	if (parse_namespaces(lx, spec) ||
	    parse_id_maps(lx, "uidMappings", &spec->uid_maps, &spec->n_uid_maps) ||
	    parse_id_maps(lx, "gidMappings", &spec->gid_maps, &spec->n_gid_maps) ||
	    parse_devices(lx, spec) || parse_sysctl(lx, spec) ||
	    oj_strv(lx, "maskedPaths", "linux", &spec->masked_paths) ||
	    oj_strv(lx, "readonlyPaths", "linux", &spec->readonly_paths) ||
	    oj_string(lx, "rootfsPropagation", "linux", &prop) ||
	    oj_string(lx, "cgroupsPath", "linux", &spec->cgroups_path) ||
	    oj_string(lx, "mountLabel", "linux", &spec->mount_label) ||
	    oj_object(lx, "resources", "linux", &spec->resources) ||
	    oj_object(lx, "seccomp", "linux", &spec->seccomp))
		return -1;
	if (spec->mount_label && check_label(spec->mount_label, "linux", "mountLabel"))
		return -1;
	for (i = 0; i < spec->n_sysctl; i++)
		if (check_sysctl(spec, spec->sysctl[i].key))
			return -1;
	if (prop && !(spec->rootfs_propagation = find_propagation(prop)))
		return oj_error("linux", "rootfsPropagation", "unknown propagation '%s'", prop);
	if ((spec->n_uid_maps || spec->n_gid_maps) &&
	    (!spec->ns[NS_USER].enabled || spec->ns[NS_USER].path))
		return oj_error("linux", "uidMappings",
				"id mappings need a new user namespace in linux.namespaces");
	return 0;
}

/*
 * Without a mount namespace the container shares the runtime's mount table
 * (config-linux.md, namespaces: an unlisted type is inherited). What would be
 * made there would change the host and outlive the container, so what needs
 * it is refused; the mounts alone are skipped (rootfs.c says so).
 */
static int check_no_mount_ns(const struct oci_spec *spec)
{
	if (spec->ns[NS_MNT].enabled)
		return 0;
	if (spec->masked_paths && *spec->masked_paths)
		return oj_error("linux", "maskedPaths", "needs a mount namespace in linux.namespaces");
	if (spec->readonly_paths && *spec->readonly_paths)
		return oj_error("linux", "readonlyPaths",
				"needs a mount namespace in linux.namespaces");
	if (spec->rootfs_propagation)
		return oj_error("linux", "rootfsPropagation",
				"needs a mount namespace in linux.namespaces");
	if (spec->n_devices)
		return oj_error("linux", "devices", "needs a mount namespace in linux.namespaces");
	if (spec->root_readonly)
		return oj_error("root", "readonly", "needs a mount namespace in linux.namespaces");
	return 0;
}

static int parse_root(const json_t *root, const char *bundle, struct oci_spec *spec)
{
	json_t *r = NULL;
	const char *path = NULL;

	if (oj_object(root, "root", "", &r))
		return -1;
	if (!r)
		return oj_error("root", NULL, "missing");
	if (oj_string(r, "path", "root", &path) || oj_bool(r, "readonly", "root", &spec->root_readonly))
		return -1;
	if (!path)
		return oj_error("root", "path", "missing");
	if (path[0] == '/')
		spec->root_path = realpath(path, NULL);
	else {
		char *joined;

		if (asprintf(&joined, "%s/%s", bundle, path) < 0)
			return oj_error("root", "path", "out of memory");
		spec->root_path = realpath(joined, NULL);
		free(joined);
	}
	if (!spec->root_path)
		return oj_error("root", "path", "%s: %s", path, strerror(errno));
	return 0;
}

int spec_load(const char *bundle, struct oci_spec *spec)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/config.json", bundle);
	return spec_load_file(file, bundle, spec);
}

int spec_load_file(const char *file, const char *bundle, struct oci_spec *spec)
{
	const char *version = NULL, *hostname = NULL, *domainname = NULL;
	json_error_t jerr;
	json_t *root, *proc = NULL;

	memset(spec, 0, sizeof(*spec));
	root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* errno is no witness here: jansson leaves whatever it was. */
		if (jerr.line < 0 || json_error_code(&jerr) == json_error_cannot_open_file)
			pr_err("%s: %s", file, jerr.text);
		else
			pr_err("%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	spec->root_json = root;
	if (!json_is_object(root))
		return oj_error("(document)", NULL, "expected an object");
	if (oj_string(root, "ociVersion", "", &version) || oj_object(root, "process", "", &proc) ||
	    oj_string(root, "hostname", "", &hostname) ||
	    oj_string(root, "domainname", "", &domainname))
		return -1;
	if (!version)
		return oj_error("ociVersion", NULL, "missing");
	if (strncmp(version, "1.", 2))
		return oj_error("ociVersion", NULL, "'%s' is not a 1.x runtime-spec version", version);
	if (!proc)
		return oj_error("process", NULL, "missing");
	if (spec_parse_process(proc, "process", &spec->process) || parse_root(root, bundle, spec) ||
	    parse_mounts(root, spec) || parse_hooks(root, spec) || parse_linux(root, spec) ||
	    check_no_mount_ns(spec))
		return -1;
	spec->hostname = dup_or_null(hostname);
	spec->domainname = dup_or_null(domainname);
	if ((hostname || domainname) && !spec->ns[NS_UTS].enabled)
		return oj_error("hostname", NULL, "needs a uts namespace in linux.namespaces");
	return 0;
}

void spec_process_free(struct process_config *p)
{
	free(p->cwd);
	oj_strv_free(p->args);
	oj_strv_free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}

static void free_hooks(struct hook_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		oj_strv_free(l->v[i].args);
		oj_strv_free(l->v[i].env);
	}
	free(l->v);
}

int spec_load_hooks(const char *path, struct hook_list hooks[HOOK_KINDS])
{
	struct oci_spec tmp = { 0 };
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	int rc;

	if (!root) {
		pr_err("%s: %s", path, jerr.text);
		return -1;
	}
	rc = parse_hooks(root, &tmp);
	json_decref(root);
	memcpy(hooks, tmp.hooks, sizeof(tmp.hooks));
	if (rc)
		spec_hooks_free(hooks);
	return rc;
}

void spec_hooks_free(struct hook_list hooks[HOOK_KINDS])
{
	unsigned k;

	for (k = 0; k < HOOK_KINDS; k++) {
		free_hooks(&hooks[k]);
		hooks[k] = (struct hook_list){ 0 };
	}
}

void spec_free(struct oci_spec *spec)
{
	size_t i;

	spec_process_free(&spec->process);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	for (i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].destination);
		free(spec->mounts[i].source);
		free(spec->mounts[i].type);
		free(spec->mounts[i].data);
	}
	free(spec->mounts);
	for (i = 0; i < HOOK_KINDS; i++)
		free_hooks(&spec->hooks[i]);
	for (i = 0; i < NS_COUNT; i++)
		free(spec->ns[i].path);
	free(spec->uid_maps);
	free(spec->gid_maps);
	for (i = 0; i < spec->n_devices; i++)
		free(spec->devices[i].path);
	free(spec->devices);
	for (i = 0; i < spec->n_sysctl; i++) {
		free(spec->sysctl[i].key);
		free(spec->sysctl[i].value);
	}
	free(spec->sysctl);
	oj_strv_free(spec->masked_paths);
	oj_strv_free(spec->readonly_paths);
	json_decref(spec->root_json);
	memset(spec, 0, sizeof(*spec));
}
