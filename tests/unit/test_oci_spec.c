/* config.json parsing: what is read, and bad values named by their full path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oci/spec.h"
#include "core/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/vessel-spec.XXXXXX";
static char last_error[1024];

static void sink(void *opaque, const char *level, const char *msg)
{
	(void)opaque;
	if (!strcmp(level, "error"))
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static void write_config(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define BASE_PROCESS "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"
#define BASE "\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}"

static int load(const char *text, struct oci_spec *s)
{
	last_error[0] = 0;
	write_config(text);
	return spec_load(dir, s);
}

static void expect_error(const char *text, const char *msg)
{
	struct oci_spec s;

	assert_int_equal(load(text, &s), -1);
	if (!strstr(last_error, msg))
		fail_msg("error \"%s\" does not say \"%s\"", last_error, msg);
	spec_free(&s);
}

static void test_full(void **state)
{
	struct oci_spec s;

	(void)state;
	assert_int_equal(load("{" BASE ", \"hostname\": \"h\", \"process\": {\"args\": [\"sh\", "
			      "\"-c\", \"x\"], \"cwd\": \"/tmp\", \"env\": [\"A=1\"], \"user\": "
			      "{\"uid\": 5, \"gid\": 6, \"additionalGids\": [7], \"umask\": 18}, "
			      "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 9, \"soft\": 8}], "
			      "\"oomScoreAdj\": -5, \"noNewPrivileges\": true, \"capabilities\": "
			      "{\"bounding\": [\"CAP_KILL\"]}, \"unknownField\": 1}, "
			      "\"mounts\": [{\"destination\": \"/p\", \"type\": \"proc\"}, "
			      "{\"destination\": \"/b\", \"source\": \"/x\", \"options\": [\"rbind\", "
			      "\"ro\", \"nosuid\", \"rslave\", \"size=1k\"]}], "
			      "\"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"mount\"}, "
			      "{\"type\": \"network\", \"path\": \"/run/netns/x\"}], "
			      "\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"maskedPaths\": "
			      "[\"/proc/kcore\"], \"rootfsPropagation\": \"rprivate\"}}", &s), 0);
	assert_string_equal(s.hostname, "h");
	assert_string_equal(s.process.args[2], "x");
	assert_string_equal(s.process.cwd, "/tmp");
	assert_int_equal(s.process.uid, 5);
	assert_int_equal(s.process.gid, 6);
	assert_int_equal(s.process.n_additional_gids, 1);
	assert_int_equal(s.process.umask, 18);
	assert_int_equal(s.process.rlimits[0].limit.rlim_cur, 8);
	assert_int_equal(s.process.oom_score_adj, -5);
	assert_true(s.process.no_new_privileges);
	assert_int_equal(s.process.caps.bounding, 1ull << 5);
	assert_int_equal(s.n_mounts, 2);
	assert_true(s.mounts[1].bind);
	assert_int_equal(s.mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	assert_int_equal(s.mounts[1].propagation, MS_SLAVE | MS_REC);
	assert_string_equal(s.mounts[1].data, "size=1k");
	assert_true(s.ns[NS_UTS].enabled && !s.ns[NS_UTS].path);
	assert_string_equal(s.ns[NS_NET].path, "/run/netns/x");
	assert_false(s.ns[NS_PID].enabled);
	assert_string_equal(s.sysctl[0].key, "net.ipv4.ip_forward");
	assert_int_equal(s.rootfs_propagation, MS_PRIVATE | MS_REC);
	spec_free(&s);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{" BASE "}", "process: missing");
	expect_error("{\"root\": {\"path\": \"rootfs\"}, " BASE_PROCESS "}", "ociVersion: missing");
	expect_error("{\"ociVersion\": 1, " BASE_PROCESS "}", "ociVersion: expected a string");
	expect_error("{" BASE ", \"process\": {\"args\": []}}", "process.args: missing");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}}",
		     "process.cwd: 'tmp' is not an absolute path");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\", 3]}}",
		     "process.args: element 1: expected a string");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"user\": {\"uid\": -1}}}",
		     "process.user.uid: -1 is out of range");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"rlimits\": [{\"type\": "
		     "\"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 2}]}}",
		     "process.rlimits[0].soft: 2 is above the hard limit 1");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
		     "\"pid\"}, {\"type\": \"pid\"}]}}", "linux.namespaces[1].type: namespace 'pid' listed twice");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"uidMappings\": [{\"containerID\": "
		     "0, \"hostID\": 1, \"size\": 1}]}}", "id mappings need a new user namespace");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"devices\": [{\"path\": "
		     "\"/dev/x\", \"type\": \"q\"}]}}", "linux.devices[0].type: 'q' is not a device type");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"sysctl\": {\"../x\": \"1\"}}}",
		     "linux.sysctl.../x: not a sysctl name");
	expect_error("{" BASE ", " BASE_PROCESS ", \"mounts\": [{\"destination\": \"/m\", "
		     "\"type\": \"bind\"}]}", "mounts[0].source: missing for a bind mount");
	expect_error("{" BASE ", " BASE_PROCESS ", \"hooks\": {\"prestart\": [{\"path\": "
		     "\"hook\"}]}}", "hooks.prestart[0].path: 'hook' is not an absolute path");
	expect_error("{" BASE ", " BASE_PROCESS ", \"hostname\": \"h\"}",
		     "hostname: needs a uts namespace");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"rootfsPropagation\": \"x\"}}",
		     "linux.rootfsPropagation: unknown propagation 'x'");
	expect_error("{" BASE ", " BASE_PROCESS, "config.json:1:");
	expect_error("{" BASE ", " BASE_PROCESS ", \"hostname\": \"a\", \"hostname\": \"b\"}",
		     "duplicate");
}

/* Without a mount namespace what needs mounts of the container's own is refused by name. */
static void test_no_mount_ns(void **state)
{
	struct oci_spec s;

	(void)state;
	assert_int_equal(load("{" BASE ", " BASE_PROCESS ", \"mounts\": [{\"destination\": "
			      "\"/proc\", \"type\": \"proc\"}], \"linux\": {\"namespaces\": "
			      "[{\"type\": \"pid\"}]}}", &s), 0);
	assert_false(s.ns[NS_MNT].enabled);
	spec_free(&s);
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"maskedPaths\": [\"/x\"]}}",
		     "linux.maskedPaths: needs a mount namespace");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"readonlyPaths\": [\"/x\"]}}",
		     "linux.readonlyPaths: needs a mount namespace");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"rootfsPropagation\": "
		     "\"shared\"}}", "linux.rootfsPropagation: needs a mount namespace");
	expect_error("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\", "
		     "\"readonly\": true}, " BASE_PROCESS "}", "root.readonly: needs a mount namespace");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"devices\": [{\"path\": "
		     "\"/dev/x\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]}}",
		     "linux.devices: needs a mount namespace");
	assert_int_equal(load("{" BASE ", " BASE_PROCESS ", \"linux\": {\"namespaces\": "
			      "[{\"type\": \"mount\"}], \"maskedPaths\": [\"/x\"], "
			      "\"rootfsPropagation\": \"shared\"}}", &s), 0);
	spec_free(&s);
}

static void test_labels(void **state)
{
	struct oci_spec s;

	(void)state;
	assert_int_equal(load("{" BASE ", \"process\": {\"args\": [\"sh\"], "
			      "\"apparmorProfile\": \"box\", \"selinuxLabel\": "
			      "\"u:r:t:s0:c1,c2\"}, \"linux\": {\"mountLabel\": \"u:object_r:f:s0\"}}",
			      &s), 0);
	assert_string_equal(s.process.apparmor_profile, "box");
	assert_string_equal(s.process.selinux_label, "u:r:t:s0:c1,c2");
	assert_string_equal(s.mount_label, "u:object_r:f:s0");
	spec_free(&s);
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"apparmorProfile\": \"\"}}",
		     "process.apparmorProfile: empty");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"selinuxLabel\": "
		     "\"a\\\"b\"}}", "process.selinuxLabel: 'a\"b' holds a quote");
	expect_error("{" BASE ", " BASE_PROCESS ", \"linux\": {\"mountLabel\": \"a\\nb\"}}",
		     "linux.mountLabel: 'a\nb' holds a quote or a control character");
	expect_error("{" BASE ", \"process\": {\"args\": [\"sh\"], \"apparmorProfile\": 5}}",
		     "process.apparmorProfile: expected a string");
}

static int setup(void **state)
{
	char rootfs[64];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	log_set_sink(sink, NULL);
	return mkdir(rootfs, 0755);
}

static int teardown(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	rmdir(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_mount_ns),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
