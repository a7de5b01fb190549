/* kvm_open's checks of the device it is given: each refusal names the problem. */
#include "core/kvm.h"
#include "core/log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char last_error[512];

static void capture(void *opaque, const char *level, const char *msg)
{
	(void)opaque;
	if (!strcmp(level, "error"))
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

/* The lowest free descriptor: it moves if kvm_open leaks one. */
static int lowest_free_fd(void)
{
	int fd = dup(STDERR_FILENO);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/* A refused device leaves no descriptor behind and says why. */
static void expect_refused(const char *path, const char *why)
{
	int free_fd = lowest_free_fd();
	struct kvm kvm;

	last_error[0] = '\0';
	assert_int_equal(kvm_open(&kvm, path), -1);
	assert_int_equal(lowest_free_fd(), free_fd);
	assert_int_equal(kvm.sys_fd, -1);
	assert_int_equal(kvm.vm_fd, -1);
	assert_non_null(strstr(last_error, path));
	assert_non_null(strstr(last_error, why));
}

static void test_missing_device(void **state)
{
	(void)state;
	expect_refused("/nonexistent/kvm", "does not exist");
}

static void test_regular_file(void **state)
{
	char path[] = "/tmp/vessel-test-kvm-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	expect_refused(path, "not a character device");
	unlink(path);
}

static void test_other_character_device(void **state)
{
	(void)state;
	expect_refused("/dev/null", "speaks KVM API version -1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_device),
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_other_character_device),
	};

	log_set_sink(capture, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
