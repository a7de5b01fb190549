/* Command-line errors: parsed in-process, and as the user meets them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int parse(int argc, char **argv, struct machine_config *cfg)
{
	FILE *saved = stderr;
	int r;

	stderr = fopen("/dev/null", "w");
	r = run_parse(argc, argv, cfg);
	fclose(stderr);
	stderr = saved;
	return r;
}

#define PARSE(cfg, ...) \
	parse(sizeof((char *[]){ "run", __VA_ARGS__ }) / sizeof(char *), \
	      (char *[]){ "run", __VA_ARGS__, NULL }, cfg)

static void test_valid(void **state)
{
	struct machine_config cfg;

	(void)state;
	assert_int_equal(PARSE(&cfg, "--memory", "2G", "--cpus", "4", "--kernel", "k",
			       "--initrd", "i", "--cmdline", "x y", "--hugepages",
			       "--no-host-quirks", "--pit"), 0);
	assert_int_equal(cfg.mem_size, 2ull << 30);
	assert_int_equal(cfg.cpus, 4);
	assert_string_equal(cfg.kernel_path, "k");
	assert_string_equal(cfg.initrd_path, "i");
	assert_string_equal(cfg.cmdline, "x y");
	assert_int_equal(cfg.backing, GUEST_MEM_THP);
	assert_false(cfg.host_quirks);
	assert_true(cfg.pit);
	assert_int_equal(PARSE(&cfg, "--memory=512", "--hugepages=/dev/hugepages"), 0);
	assert_int_equal(cfg.mem_size, 512ull << 20);
	assert_int_equal(cfg.backing, GUEST_MEM_HUGETLBFS);
	assert_string_equal(cfg.hugetlbfs, "/dev/hugepages");
}

static void test_defaults(void **state)
{
	struct machine_config cfg;
	char *argv[] = { "run", NULL };

	(void)state;
	assert_int_equal(parse(1, argv, &cfg), 0);
	assert_null(cfg.kernel_path);
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.mem_size, MACHINE_DEFAULT_MEM);
	assert_true(cfg.host_quirks);
	assert_false(cfg.pit);
	assert_int_equal(cfg.input, INPUT_PS2);
}

static void test_errors(void **state)
{
	struct machine_config cfg;

	(void)state;
	assert_int_equal(PARSE(&cfg, "--memory", "lots"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--memory", "4M"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--memory", "2T"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--memory", "1000K"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--cpus", "0"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--cpus", "255"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--cpus", "two"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--frobnicate"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--kernel"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "stray"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--initrd", "x"), EXIT_USAGE);
}

/* Run vessel with @args (a shell word list); return its status and stderr. */
static int run_vessel(const char *args, char *err, size_t err_len)
{
	const char *vessel = getenv("VESSEL");
	char cmd[1024];
	FILE *p;
	size_t n;
	int status;

	assert_non_null(vessel);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null </dev/null", vessel, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(err, 1, err_len - 1, p);
	err[n] = '\0';
	status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* --net is repeatable up to 8 times, in order; each argument is parsed whole. */
static void test_net(void **state)
{
	struct machine_config cfg;

	(void)state;
	assert_int_equal(PARSE(&cfg, "--net", "tap,ifname=a", "--net=tap,fd=5,mtu=9000"), 0);
	assert_int_equal(cfg.nr_nics, 2);
	assert_string_equal(cfg.nics[0].ifname, "a");
	assert_int_equal(cfg.nics[1].fd, 5);
	assert_int_equal(cfg.nics[1].mtu, 9000);
	assert_int_equal(PARSE(&cfg, "--net", "tap,ifname=a", "--net", "tap,ifname=b",
			       "--net", "tap,ifname=c", "--net", "tap,ifname=d",
			       "--net", "tap,ifname=e", "--net", "tap,ifname=f",
			       "--net", "tap,ifname=g", "--net", "tap,ifname=h"), 0);
	assert_int_equal(cfg.nr_nics, 8);
	assert_string_equal(cfg.nics[7].ifname, "h");
	assert_int_equal(PARSE(&cfg, "--net", "tap,ifname=a", "--net", "tap,ifname=b",
			       "--net", "tap,ifname=c", "--net", "tap,ifname=d",
			       "--net", "tap,ifname=e", "--net", "tap,ifname=f",
			       "--net", "tap,ifname=g", "--net", "tap,ifname=h",
			       "--net", "tap,ifname=i"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--net", "tap,ifname=a,mac=nope"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--net"), EXIT_USAGE);
}

static void test_input(void **state)
{
	struct machine_config cfg;
	char err[2048];

	(void)state;
	assert_int_equal(PARSE(&cfg, "--input", "virtio"), 0);
	assert_int_equal(cfg.input, INPUT_VIRTIO);
	assert_int_equal(PARSE(&cfg, "--input=virtio", "--input", "ps2"), 0);
	assert_int_equal(cfg.input, INPUT_PS2);
	assert_int_equal(PARSE(&cfg, "--input", "usb"), EXIT_USAGE);
	assert_int_equal(PARSE(&cfg, "--input"), EXIT_USAGE);
	assert_int_equal(run_vessel("run --input tablet", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "--input 'tablet': 'virtio' or 'ps2'"));
}

static void test_binary_errors(void **state)
{
	char err[2048];

	(void)state;
	assert_int_equal(run_vessel("run --memory 4M", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "--memory 4M: too small"));
	assert_int_equal(run_vessel("frob", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "unknown command 'frob'"));
	assert_int_equal(run_vessel("run --kernel /nonexistent/vmlinux", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "--kernel /nonexistent/vmlinux: No such file or directory"));
	assert_int_equal(run_vessel("run --kernel /etc/hostname", err, sizeof(err)), 1);
	assert_non_null(strstr(err, "/etc/hostname: not a kernel vessel can boot"));
	assert_int_equal(run_vessel("run --kernel /etc/hostname --initrd /nonexistent/initrd", err,
				    sizeof(err)), 1);
	assert_non_null(strstr(err, "--initrd /nonexistent/initrd: No such file or directory"));
	assert_int_equal(run_vessel("--version", err, sizeof(err)), 0);
	/* Each error is one line. */
	assert_int_equal(run_vessel("run --kernel /nonexistent/vmlinux", err, sizeof(err)), 1);
	assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_binary_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
