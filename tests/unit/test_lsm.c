/*
 * LSM labels: the context= mount option as runc writes it, and fields refused
 * by name where the host lacks the module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oci/lsm.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char last_error[1024];

static void sink(void *opaque, const char *level, const char *msg)
{
	(void)opaque;
	if (!strcmp(level, "error"))
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static void mount_data(void **state)
{
	char *d;

	(void)state;
	d = lsm_mount_data("mode=755,size=65536k", "system_u:object_r:container_file_t:s0:c1,c2");
	assert_string_equal(d, "mode=755,size=65536k,"
			    "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
	free(d);
	d = lsm_mount_data(NULL, "u:r:t:s0");
	assert_string_equal(d, "context=\"u:r:t:s0\"");
	free(d);
	d = lsm_mount_data("", "u:r:t:s0");
	assert_string_equal(d, "context=\"u:r:t:s0\"");
	free(d);
}

static void nothing_set_passes(void **state)
{
	struct process_config p = { 0 };

	(void)state;
	assert_int_equal(lsm_check(&p, NULL), 0);
	assert_int_equal(lsm_set_exec(&p), 0);
}

static void disabled_module_names_the_field(void **state)
{
	struct process_config p = { 0 };

	(void)state;
	log_set_sink(sink, NULL);
	if (!lsm_apparmor_enabled()) {
		p.apparmor_profile = "box";
		last_error[0] = 0;
		assert_int_equal(lsm_check(&p, NULL), -1);
		assert_non_null(strstr(last_error, "process.apparmorProfile 'box': AppArmor is not "
					"enabled"));
		p.apparmor_profile = NULL;
	}
	if (!lsm_selinux_enabled()) {
		p.selinux_label = "u:r:t:s0";
		assert_int_equal(lsm_check(&p, NULL), -1);
		assert_non_null(strstr(last_error, "process.selinuxLabel 'u:r:t:s0': SELinux"));
		p.selinux_label = NULL;
		assert_int_equal(lsm_check(&p, "u:object_r:t:s0"), -1);
		assert_non_null(strstr(last_error, "linux.mountLabel 'u:object_r:t:s0': SELinux"));
	}
	log_set_sink(NULL, NULL);
}

/*
 * The write itself, as far as a host without either module allows: the kernel
 * refuses the attribute, and the error names the field and the file.
 */
static void exec_attr_write_reports_the_field(void **state)
{
	struct process_config p = { .apparmor_profile = "vessel-test" };

	(void)state;
	if (lsm_apparmor_enabled() || lsm_selinux_enabled())
		skip();
	log_set_sink(sink, NULL);
	last_error[0] = 0;
	assert_int_equal(lsm_set_exec(&p), -1);
	assert_non_null(strstr(last_error, "process.apparmorProfile 'exec vessel-test': "
				"/proc/thread-self/attr/"));
	p.apparmor_profile = NULL;
	p.selinux_label = "u:r:t:s0";
	assert_int_equal(lsm_set_exec(&p), -1);
	assert_non_null(strstr(last_error, "process.selinuxLabel 'u:r:t:s0': "
				"/proc/thread-self/attr/exec"));
	log_set_sink(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mount_data),
		cmocka_unit_test(nothing_set_passes),
		cmocka_unit_test(disabled_module_names_the_field),
		cmocka_unit_test(exec_attr_write_reports_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
