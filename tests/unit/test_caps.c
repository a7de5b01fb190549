#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/caps.h"

#define PATH "process.capabilities"
#define NOBODY 65534
#define CHILD_OK 0
/* Above what a sanitizer runtime exits with, so a failing check is told apart. */
#define CHILD_FAIL 10
#define BIT(c) (1ull << (c))

struct capture {
	FILE *file;
	int saved;
	char text[8192];
};

static void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	c->saved = dup(STDERR_FILENO);
	if (c->file)
		dup2(fileno(c->file), STDERR_FILENO);
}

static const char *capture_end(struct capture *c)
{
	size_t n = 0;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	if (c->file) {
		rewind(c->file);
		n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
		fclose(c->file);
	}
	c->text[n] = '\0';
	return c->text;
}

static int parse(const char *text, struct caps *out)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int rc;

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	rc = caps_parse(j, PATH, out);
	json_decref(j);
	return rc;
}

static void expect_error(const char *text, const char *want)
{
	struct capture cap;
	struct caps c;
	const char *msg;
	int rc;

	capture_begin(&cap);
	rc = parse(text, &c);
	msg = capture_end(&cap);
	if (rc != -1 || !strstr(msg, want))
		fail_msg("parse of %s: rc %d, message '%s', wanted '%s'", text, rc, msg, want);
}

static unsigned last_cap(void)
{
	unsigned last = 0;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%u", &last), 1);
	fclose(f);
	return last;
}

/* The five sets as /proc/self/status shows them. */
static int read_status(struct caps *out)
{
	static const struct {
		const char *tag;
		size_t offset;
	} rows[] = {
		{ "CapInh:", offsetof(struct caps, inheritable) },
		{ "CapPrm:", offsetof(struct caps, permitted) },
		{ "CapEff:", offsetof(struct caps, effective) },
		{ "CapBnd:", offsetof(struct caps, bounding) },
		{ "CapAmb:", offsetof(struct caps, ambient) },
	};
	unsigned long long v;
	unsigned found = 0, i;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			size_t len = strlen(rows[i].tag);

			if (strncmp(line, rows[i].tag, len) || sscanf(line + len, "%llx", &v) != 1)
				continue;
			*(uint64_t *)((char *)out + rows[i].offset) = v;
			found++;
		}
	}
	fclose(f);
	return found == 5 ? 0 : -1;
}

/* Changing capabilities needs root with CAP_SETPCAP; elsewhere those tests skip. */
static bool can_change_caps(void)
{
	struct caps now;

	return geteuid() == 0 && !read_status(&now) && (now.effective & BIT(CAP_SETPCAP));
}

/* The lowest capability this machine's own bounding set lacks, or -1. */
static int missing_cap(void)
{
	struct caps now;
	unsigned cap, last = last_cap();

	assert_int_equal(read_status(&now), 0);
	for (cap = 0; cap <= last; cap++)
		if (!(now.bounding & BIT(cap)))
			return (int)cap;
	return -1;
}

struct child_case {
	struct caps want;	/* asked for */
	struct caps expect;	/* what /proc/self/status must show after */
	bool change_uid;
	bool keepcaps;
	int expect_rc;
	const char *expect_msg;	/* in the messages, or NULL */
};

static int child_body(const struct child_case *t)
{
	struct capture cap;
	struct caps got;
	const char *msg;
	int rc;

	capture_begin(&cap);
	rc = caps_apply_bounding(&t->want);
	if (!rc && t->keepcaps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		rc = -2;
	if (!rc && t->change_uid && (setresgid(NOBODY, NOBODY, NOBODY) ||
				     setresuid(NOBODY, NOBODY, NOBODY)))
		rc = -2;
	if (!rc)
		rc = caps_apply(&t->want);
	msg = capture_end(&cap);
	fputs(msg, stderr);
	if (rc != t->expect_rc)
		return CHILD_FAIL + 1;
	if (t->expect_msg && !strstr(msg, t->expect_msg))
		return CHILD_FAIL + 2;
	if (rc)
		return CHILD_OK;
	if (read_status(&got))
		return CHILD_FAIL + 3;
	if (got.bounding != t->expect.bounding)
		return CHILD_FAIL + 4;
	if (got.effective != t->expect.effective)
		return CHILD_FAIL + 5;
	if (got.permitted != t->expect.permitted)
		return CHILD_FAIL + 6;
	if (got.inheritable != t->expect.inheritable)
		return CHILD_FAIL + 7;
	if (got.ambient != t->expect.ambient)
		return CHILD_FAIL + 8;
	return CHILD_OK;
}

static void run_child(const struct child_case *t)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	/* Raw exit: a sanitizer's _exit hook (leak check) cannot run as nobody. */
	if (pid == 0)
		syscall(SYS_exit_group, child_body(t));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

static void test_names(void **state)
{
	unsigned cap, last = last_cap();
	char text[128];
	struct caps c;

	(void)state;
	assert_string_equal(caps_name(CAP_CHOWN), "CAP_CHOWN");
	assert_string_equal(caps_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	assert_string_equal(caps_name(CAP_CHECKPOINT_RESTORE), "CAP_CHECKPOINT_RESTORE");
	assert_null(caps_name(CAP_CHECKPOINT_RESTORE + 1));
	assert_null(caps_name(1000));
	for (cap = 0; cap <= CAP_CHECKPOINT_RESTORE; cap++) {
		assert_non_null(caps_name(cap));
		assert_true(!strncmp(caps_name(cap), "CAP_", 4));
		snprintf(text, sizeof(text), "{\"ambient\":[\"%s\"]}", caps_name(cap));
		assert_int_equal(parse(text, &c), 0);
		/* A capability newer than this kernel is skipped. */
		assert_true(c.ambient == (cap <= last ? BIT(cap) : 0));
		assert_true(!c.bounding && !c.effective && !c.permitted && !c.inheritable);
	}
}

static void test_parse_sets(void **state)
{
	struct caps c;

	(void)state;
	assert_int_equal(parse("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_CHOWN\"],"
			       "\"effective\":[\"CAP_NET_RAW\"],"
			       "\"permitted\":[\"CAP_NET_RAW\",\"CAP_SETUID\"],"
			       "\"inheritable\":[\"CAP_BPF\"],"
			       "\"ambient\":[\"CAP_SYS_CHROOT\"],\"future\":[\"ignored\"]}",
			       &c), 0);
	assert_true(c.bounding == (BIT(CAP_CHOWN) | BIT(CAP_KILL)));
	assert_true(c.effective == BIT(CAP_NET_RAW));
	assert_true(c.permitted == (BIT(CAP_NET_RAW) | BIT(CAP_SETUID)));
	assert_true(c.inheritable == BIT(CAP_BPF));
	assert_true(c.ambient == BIT(CAP_SYS_CHROOT));

	memset(&c, 0xff, sizeof(c));
	assert_int_equal(caps_parse(NULL, PATH, &c), 0);
	assert_true(!c.bounding && !c.effective && !c.permitted && !c.inheritable && !c.ambient);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_RAW\",\"CAP_FOO\"]}",
		     "config.json: process.capabilities.bounding[3]: unknown capability 'CAP_FOO'");
	expect_error("{\"effective\":[\"cap_chown\"]}",
		     "process.capabilities.effective[0]: unknown capability 'cap_chown'");
	expect_error("{\"ambient\":[7]}", "process.capabilities.ambient[0]: expected a string");
	expect_error("{\"permitted\":\"CAP_CHOWN\"}",
		     "process.capabilities.permitted: expected an array");
	expect_error("[]", "process.capabilities: expected an object");
	expect_error("{\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\"]}",
		     "process.capabilities.effective: CAP_KILL is not in the permitted set");
}

static void test_apply_as_root(void **state)
{
	uint64_t std = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) |
		       BIT(CAP_SETPCAP);
	int missing = missing_cap();
	uint64_t lost = missing >= 0 ? BIT(missing) : 0;
	struct child_case t = {
		.want = {
			.bounding = std | lost,
			.permitted = std | lost,
			.effective = std | lost,
			.inheritable = BIT(CAP_NET_BIND_SERVICE) | lost,
			.ambient = BIT(CAP_NET_BIND_SERVICE) | lost,
		},
		.expect = {
			.bounding = std,
			.permitted = std,
			.effective = std,
			.inheritable = BIT(CAP_NET_BIND_SERVICE),
			.ambient = BIT(CAP_NET_BIND_SERVICE),
		},
		/* A capability the runtime itself lacks is warned about, not fatal. */
		.expect_msg = missing >= 0 ? caps_name((unsigned)missing) : NULL,
	};

	(void)state;
	if (!can_change_caps())
		skip();
	run_child(&t);
}

static void test_apply_after_uid_change(void **state)
{
	uint64_t set = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW);
	struct child_case t = {
		/* CAP_SYS_ADMIN kept in the bounding set only. */
		.want = { set | BIT(CAP_SYS_ADMIN), set, set, set, BIT(CAP_NET_RAW) },
		.expect = { set | BIT(CAP_SYS_ADMIN), set, set, set, BIT(CAP_NET_RAW) },
		.change_uid = true,
		.keepcaps = true,
	};

	(void)state;
	if (!can_change_caps())
		skip();
	run_child(&t);
}

static void test_uid_change_without_keepcaps(void **state)
{
	struct child_case t = {
		.want = { BIT(CAP_CHOWN), BIT(CAP_CHOWN), 0, BIT(CAP_CHOWN), 0 },
		.change_uid = true,
		.expect_rc = -1,
		.expect_msg = "cannot keep CAP_CHOWN in the permitted set",
	};

	(void)state;
	if (!can_change_caps())
		skip();
	run_child(&t);
}

/* An ambient capability not both permitted and inheritable is left out with a warning, as runc does. */
static void test_ambient_needs_inheritable(void **state)
{
	uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
	struct child_case t = {
		.want = { .bounding = nbs, .effective = nbs, .permitted = nbs, .ambient = nbs },
		.expect = { .bounding = nbs, .effective = nbs, .permitted = nbs },
		.expect_rc = 0,
		.expect_msg = "CAP_NET_BIND_SERVICE left out",
	};

	(void)state;
	if (!can_change_caps())
		skip();
	run_child(&t);
	/* And in inheritable but not permitted. */
	t.want.permitted = t.want.effective = 0;
	t.want.inheritable = nbs;
	t.expect = (struct caps){ .bounding = nbs, .inheritable = nbs };
	run_child(&t);
}

static void test_empty_sets(void **state)
{
	struct child_case t = { 0 };

	(void)state;
	if (!can_change_caps())
		skip();
	run_child(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_sets),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_apply_as_root),
		cmocka_unit_test(test_apply_after_uid_change),
		cmocka_unit_test(test_uid_change_without_keepcaps),
		cmocka_unit_test(test_ambient_needs_inheritable),
		cmocka_unit_test(test_empty_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
