#include "oci/lsm.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#define APPARMOR_ENABLED "/sys/module/apparmor/parameters/enabled"
#define SELINUX_FS "/sys/fs/selinux"

/* As runc: the module's securityfs directory, and the module saying it is on. */
bool lsm_apparmor_enabled(void)
{
	char c = 0;
	int fd;

	if (access("/sys/kernel/security/apparmor", F_OK))
		return false;
	fd = open(APPARMOR_ENABLED, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y';
}

/* selinuxfs mounted where the kernel puts it: SELinux is on (enforcing or permissive). */
bool lsm_selinux_enabled(void)
{
	struct statfs sf;

	return !statfs(SELINUX_FS, &sf) && sf.f_type == SELINUX_MAGIC;
}

int lsm_check(const struct process_config *p, const char *mount_label)
{
	if (p->apparmor_profile && !lsm_apparmor_enabled()) {
		pr_err("process.apparmorProfile '%s': AppArmor is not enabled on this host "
		       "(%s is not Y)", p->apparmor_profile, APPARMOR_ENABLED);
		return -1;
	}
	if ((p->selinux_label || mount_label) && !lsm_selinux_enabled()) {
		pr_err("%s '%s': SELinux is not enabled on this host (no selinuxfs at %s)",
		       p->selinux_label ? "process.selinuxLabel" : "linux.mountLabel",
		       p->selinux_label ? p->selinux_label : mount_label, SELINUX_FS);
		return -1;
	}
	return 0;
}

static int write_attr(const char *path, const char *text, const char *field)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		pr_err("%s: %s: %s", field, path, strerror(errno));
		return -1;
	}
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text)) {
		pr_err("%s '%s': %s: %s", field, text, path, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

int lsm_set_exec(const struct process_config *p)
{
	/* AppArmor's own attribute directory where the kernel has one (stacked LSMs). */
	static const char aa_new[] = "/proc/thread-self/attr/apparmor/exec";
	static const char exec_attr[] = "/proc/thread-self/attr/exec";
	char text[4096];

	if (p->apparmor_profile) {
		snprintf(text, sizeof(text), "exec %s", p->apparmor_profile);
		if (write_attr(access(aa_new, F_OK) ? exec_attr : aa_new, text,
			       "process.apparmorProfile"))
			return -1;
	}
	if (p->selinux_label && write_attr(exec_attr, p->selinux_label, "process.selinuxLabel"))
		return -1;
	return 0;
}

char *lsm_mount_data(const char *data, const char *label)
{
	char *out;
	int n;

	if (data && *data)
		n = asprintf(&out, "%s,context=\"%s\"", data, label);
	else
		n = asprintf(&out, "context=\"%s\"", label);
	return n < 0 ? NULL : out;
}

int lsm_label_path(const char *path, const char *label)
{
	if (!label || !setxattr(path, "security.selinux", label, strlen(label) + 1, 0))
		return 0;
	pr_err("linux.mountLabel '%s': %s: %s", label, path, strerror(errno));
	return -1;
}
