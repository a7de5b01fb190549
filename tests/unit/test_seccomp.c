#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "oci/seccomp.h"

/* Errno values no syscall below returns by itself, so a hit is the filter's. */
#define ERRNO_A 77
#define ERRNO_B 78
#define CHILD_OK 0
#define CHILD_BAD_LOAD 100
/* Above what a sanitizer runtime exits with, so a failing check is told apart. */
#define BODY_FAIL 10

/* stderr, redirected to a file while a parse runs, so tests can read the messages. */
struct capture {
	FILE *file;
	int saved;
	char text[4096];
};

static void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

static const char *capture_end(struct capture *c)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	fclose(c->file);
	return c->text;
}

static int parse(const char *text, struct seccomp_filter **f)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int rc;

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	rc = seccomp_filter_parse(j, f);
	json_decref(j);
	return rc;
}

static struct seccomp_filter *parse_ok(const char *text)
{
	struct seccomp_filter *f = NULL;

	assert_int_equal(parse(text, &f), 0);
	assert_non_null(f);
	return f;
}

/* Parse must fail, and its message must contain @want. */
static void expect_error(const char *text, const char *want)
{
	struct seccomp_filter *f = (struct seccomp_filter *)&f;
	struct capture cap;
	const char *msg;
	int rc;

	capture_begin(&cap);
	rc = parse(text, &f);
	msg = capture_end(&cap);
	if (rc != -1 || !strstr(msg, want))
		fail_msg("parse of %s: rc %d, message '%s', wanted '%s'", text, rc, msg, want);
	assert_null(f);
}

/* Load @f in a child, run @body there; returns the child's wait status. */
static int run_filtered(struct seccomp_filter *f, int (*body)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_filter_load(f))
			_exit(CHILD_BAD_LOAD);
		/* Raw exit: a sanitizer's _exit hook (leak check) needs syscalls the filter may refuse. */
		syscall(SYS_exit_group, body());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_exit_ok(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
		fail_msg("child: %s %d", WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* -errno of a raw syscall, 0 on success: no libc wrapper or sanitizer in the way. */
static long sys_err(long nr, long a0, long a1)
{
	return syscall(nr, a0, a1) < 0 ? -errno : 0;
}

static void test_absent(void **state)
{
	struct seccomp_filter *f = (struct seccomp_filter *)&f;

	(void)state;
	assert_int_equal(seccomp_filter_parse(NULL, &f), 0);
	assert_null(f);
	assert_int_equal(seccomp_filter_load(NULL), 0);
	seccomp_filter_free(NULL);
}

static void test_errors_name_the_field(void **state)
{
	(void)state;
	expect_error("{\"syscalls\":[]}", "linux.seccomp.defaultAction: missing");
	expect_error("{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
		     "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_FOO\"}]}",
		     "config.json: linux.seccomp.syscalls[3].action: unknown action 'SCMP_ACT_FOO'");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_Z80\"]}",
		     "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_Z80'");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
		     "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_X'");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
		     "\"action\":\"SCMP_ACT_ERRNO\"}]}",
		     "linux.seccomp.syscalls[0].names: needs at least one");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
		     "\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
		     "linux.seccomp.syscalls[0].args[1].op: unknown operator 'SCMP_CMP_XX'");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
		     "\"op\":\"SCMP_CMP_EQ\"}]}]}",
		     "linux.seccomp.syscalls[0].args[0].index: 6 is out of range");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		     "linux.seccomp.syscalls[0].args[0].value: missing");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":5}]}",
		     "linux.seccomp.syscalls[0].errnoRet: not allowed with SCMP_ACT_ALLOW");
	expect_error("{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":5}",
		     "linux.seccomp.defaultErrnoRet: not allowed with SCMP_ACT_KILL");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
		     "linux.seccomp.defaultErrnoRet: -1 is out of range");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/a.sock\","
		     "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"x\"}",
		     "linux.seccomp.listenerMetadata: set without listenerPath");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[\"read\"]}",
		     "linux.seccomp.syscalls[0]: expected an object");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
		     "flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported by libseccomp");
	expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_SHEB\"]}",
		     "architectures[0]: 'SCMP_ARCH_SHEB' is not supported by libseccomp");
#endif
}

static void test_accepts_full_profile(void **state)
{
	(void)state;
	/* Native arch listed again, every flag 2.5.4 has, rules equal to the default. */
	seccomp_filter_free(parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
		"\"listenerPath\":\"/run/ignored.sock\","
		"\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		"{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7},"
		"{\"names\":[\"socketcall\",\"sys_of_2040\"],\"action\":\"SCMP_ACT_LOG\"},"
		"{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_TRAP\"},"
		"{\"names\":[\"tkill\"],\"action\":\"SCMP_ACT_KILL_THREAD\"}]}"));
}

static int body_getcwd(void)
{
	char buf[256];

	if (sys_err(SYS_getcwd, (long)buf, sizeof(buf)) != -ERRNO_A)
		return BODY_FAIL + 1;
	if (sys_err(SYS_getpid, 0, 0) || sys_err(SYS_getppid, 0, 0))
		return BODY_FAIL + 2;
	/* The libc wrapper sees the same thing. */
	errno = 0;
	if (getcwd(buf, sizeof(buf)) || errno != ERRNO_A)
		return BODY_FAIL + 3;
	return CHILD_OK;
}

static void test_errno_rule(void **state)
{
	struct seccomp_filter *f;

	(void)state;
	/* An unknown name in the same entry is skipped, not an error. */
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"no_such_syscall\",\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
		     "\"errnoRet\":77}]}");
	expect_exit_ok(run_filtered(f, body_getcwd));
	seccomp_filter_free(f);
}

static int body_default_errno(void)
{
	char buf[256];

	if (sys_err(SYS_getcwd, (long)buf, sizeof(buf)) != -ERRNO_B)
		return BODY_FAIL + 1;
	if (sys_err(SYS_getpid, 0, 0))
		return BODY_FAIL + 2;
	return CHILD_OK;
}

static void test_default_errno(void **state)
{
	struct seccomp_filter *f;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":78,"
		     "\"syscalls\":[{\"names\":[\"getpid\",\"exit_group\",\"exit\"],"
		     "\"action\":\"SCMP_ACT_ALLOW\"}]}");
	expect_exit_ok(run_filtered(f, body_default_errno));
	seccomp_filter_free(f);
}

static int body_personality(void)
{
	/* 0xffffffff only queries the persona; PER_LINUX (0) sets the usual one. */
	if (sys_err(SYS_personality, 0xffffffffL, 0) != -EPERM)
		return BODY_FAIL + 1;
	if (sys_err(SYS_personality, 0, 0))
		return BODY_FAIL + 2;
	return CHILD_OK;
}

static void test_arg_rule(void **state)
{
	struct seccomp_filter *f;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
		     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":4294967295,"
		     "\"op\":\"SCMP_CMP_EQ\"}]}]}");
	expect_exit_ok(run_filtered(f, body_personality));
	seccomp_filter_free(f);
}

static int body_arg_logic(void)
{
	/* getpgid: two conditions on arg 0 are an OR. */
	if (sys_err(SYS_getpgid, 111, 0) != -ERRNO_A || sys_err(SYS_getpgid, 222, 0) != -ERRNO_A)
		return BODY_FAIL + 1;
	if (sys_err(SYS_getpgid, 0, 0))
		return BODY_FAIL + 2;
	/* getpriority: conditions on arg 0 and arg 1 are an AND. */
	if (sys_err(SYS_getpriority, 0, 4242) != -ERRNO_B)
		return BODY_FAIL + 3;
	if (sys_err(SYS_getpriority, 0, 0) || sys_err(SYS_getpriority, 1, 4242) == -ERRNO_B)
		return BODY_FAIL + 4;
	return CHILD_OK;
}

static void test_arg_logic(void **state)
{
	struct seccomp_filter *f;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		     "\"args\":[{\"index\":0,\"value\":111,\"op\":\"SCMP_CMP_EQ\"},"
		     "{\"index\":0,\"value\":222,\"op\":\"SCMP_CMP_EQ\"}]},"
		     "{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":78,"
		     "\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		     "{\"index\":1,\"value\":4242,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	expect_exit_ok(run_filtered(f, body_arg_logic));
	seccomp_filter_free(f);
}

static int body_masked(void)
{
	if (sys_err(SYS_getpgid, 0x1234, 0) != -ERRNO_A || sys_err(SYS_getpgid, 0x12ff, 0) != -ERRNO_A)
		return BODY_FAIL + 1;
	if (sys_err(SYS_getpgid, 0, 0) || sys_err(SYS_getpgid, 0x1334, 0) == -ERRNO_A)
		return BODY_FAIL + 2;
	/* GT: only umask values above 0777 are refused. */
	if (sys_err(SYS_umask, 022, 0) || sys_err(SYS_umask, 01000, 0) != -ERRNO_B)
		return BODY_FAIL + 3;
	return CHILD_OK;
}

static void test_masked_and_gt(void **state)
{
	struct seccomp_filter *f;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		     "\"args\":[{\"index\":0,\"value\":65280,\"valueTwo\":4608,"
		     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		     "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":78,"
		     "\"args\":[{\"index\":0,\"value\":511,\"op\":\"SCMP_CMP_GT\"}]}]}");
	expect_exit_ok(run_filtered(f, body_masked));
	seccomp_filter_free(f);
}

static int body_getppid(void)
{
	sys_err(SYS_getppid, 0, 0);
	return CHILD_OK;	/* not reached */
}

static void test_kill_process(void **state)
{
	struct seccomp_filter *f;
	int status;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}");
	status = run_filtered(f, body_getppid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	seccomp_filter_free(f);
}

/* Without no_new_privs, loading needs CAP_SYS_ADMIN: the filter does not set NNP itself. */
static void test_no_nnp_forced(void **state)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	struct seccomp_filter *f;
	int status;
	pid_t pid;

	(void)state;
	f = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		log_set_quiet(true);
		/* Every capability gone, NNP still off: the load must be refused. */
		if (syscall(SYS_capset, &hdr, d))
			_exit(BODY_FAIL + 1);
		if (seccomp_filter_load(f) != -1)
			_exit(BODY_FAIL + 2);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
			_exit(BODY_FAIL + 3);
		_exit(CHILD_OK);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	expect_exit_ok(status);
	seccomp_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test(test_accepts_full_profile),
		cmocka_unit_test(test_errno_rule),
		cmocka_unit_test(test_default_errno),
		cmocka_unit_test(test_arg_rule),
		cmocka_unit_test(test_arg_logic),
		cmocka_unit_test(test_masked_and_gt),
		cmocka_unit_test(test_kill_process),
		cmocka_unit_test(test_no_nnp_forced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
