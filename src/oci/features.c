/* `features` (features.md) and `spec`'s default config.json. */
#include "oci/spec.h"
#include "oci/caps.h"

#include <string.h>
#include <sys/mount.h>

json_t *oci_features(void);

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *all_caps(void)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; caps_name(i); i++)
		json_array_append_new(a, json_string(caps_name(i)));
	return a;
}

json_t *oci_features(void)
{
	static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop", NULL };
	static const char *const mount_opts[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime",
		"loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime", "nomand",
		"norelatime", "nostrictatime", "nosuid", "private", "rbind", "relatime", "remount",
		"ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "silent",
		"slave", "strictatime", "suid", "sync", "unbindable", NULL };
	static const char *const ns[] = { "cgroup", "ipc", "mount", "network", "pid", "time",
					  "user", "uts", NULL };
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
					   "SCMP_CMP_NE", NULL };
	static const char *const archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					     "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b}, s:{s:b, s:o, "
			 "s:o, s:o, s:[]}, s:{s:b}, s:{s:b}}, s:{s:s}}",
			 "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0",
			 "vessel.version", VESSEL_VERSION,
			 "hooks", strings(hooks), "mountOptions", strings(mount_opts),
			 "linux", "namespaces", strings(ns), "capabilities", all_caps(),
			 "cgroup", "v1", 1, "v2", 1,
			 "seccomp", "enabled", 1, "actions", strings(actions),
			 "operators", strings(ops), "archs", strings(archs), "knownFlags",
			 "apparmor", "enabled", 1, "selinux", "enabled", 1,
			 "annotations", "org.opencontainers.runc.features.version", "1.1.0");
}

json_t *spec_default(bool rootless)
{
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/proc/scsi", NULL };
	static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					  "/proc/sysrq-trigger", NULL };
	json_t *j, *lx, *ns;

	j = json_pack(
		"{s:s, s:{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:{s:o, s:o, s:o, s:o}, "
		"s:[{s:s, s:I, s:I}], s:b}, s:{s:s, s:b}, s:s, s:["
		"{s:s, s:s, s:s},"
		"{s:s, s:s, s:s, s:[s, s, s, s]},"
		"{s:s, s:s, s:s, s:[s, s, s, s, s]},"
		"{s:s, s:s, s:s, s:[s, s, s, s]},"
		"{s:s, s:s, s:s, s:[s, s, s]},"
		"{s:s, s:s, s:s, s:[s, s, s, s]},"
		"{s:s, s:s, s:s, s:[s, s, s, s]}]}",
		"ociVersion", "1.0.2",
		"process", "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh",
		"env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", "cwd", "/",
		"capabilities", "bounding", strings(caps), "effective", strings(caps),
		"permitted", strings(caps), "inheritable", json_array(),
		"rlimits", "type", "RLIMIT_NOFILE", "hard", (json_int_t)1024, "soft", (json_int_t)1024,
		"noNewPrivileges", 1,
		"root", "path", "rootfs", "readonly", 1,
		"hostname", "vessel",
		"mounts",
		"destination", "/proc", "type", "proc", "source", "proc",
		"destination", "/dev", "type", "tmpfs", "source", "tmpfs",
		"options", "nosuid", "strictatime", "mode=755", "size=65536k",
		"destination", "/dev/pts", "type", "devpts", "source", "devpts",
		"options", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
		"destination", "/dev/shm", "type", "tmpfs", "source", "shm",
		"options", "nosuid", "noexec", "nodev", "mode=1777",
		"destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
		"options", "nosuid", "noexec", "nodev",
		"destination", "/sys", "type", "sysfs", "source", "sysfs",
		"options", "nosuid", "noexec", "nodev", "ro",
		"destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
		"options", "nosuid", "noexec", "nodev", "ro");
	if (!j)
		return NULL;
	ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "network",
		       "type", "ipc", "type", "uts", "type", "mount");
	lx = json_pack("{s:o, s:o, s:o}", "namespaces", ns, "maskedPaths", strings(masked),
		       "readonlyPaths", strings(ro));
	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		json_object_set_new(lx, "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID",
								 0, "hostID", 1000, "size", 1));
		json_object_set_new(lx, "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID",
								 0, "hostID", 1000, "size", 1));
	} else {
		json_object_set_new(lx, "resources", json_pack("{s:[{s:b, s:s}]}", "devices",
							       "allow", 0, "access", "rwm"));
	}
	json_object_set_new(j, "linux", lx);
	return j;
}
