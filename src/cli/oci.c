/* runc's command line (`vessel oci ...`, or the binary called as vessel-runc or runc). */
#include "cli/cli.h"
#include "oci/cgroup.h"
#include "oci/container.h"
#include "oci/exec.h"
#include "oci/list.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "oci/terminal.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MULTI 64

struct opt {
	const char *name;
	char short_name;
	bool has_arg, multi;
	const char *value;
	const char *values[MAX_MULTI + 1];
	size_t n;
	bool set;
};

struct globals {
	const char *root;
	bool systemd_cgroup;
};

static struct opt *find_opt(struct opt *opts, const char *name, size_t len, char short_name)
{
	for (; opts->name; opts++)
		if ((len && strlen(opts->name) == len && !strncmp(opts->name, name, len)) ||
		    (!len && short_name && opts->short_name == short_name))
			return opts;
	return NULL;
}

/*
 * Flags as runc takes them: --name value, --name=value, -name, -x; options end at
 * the first positional argument. Returns the index of it, or -1 after a message.
 */
static int parse_opts(const char *cmd, int argc, char **argv, int i, struct opt *opts)
{
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i] + 1, *eq;
		struct opt *o;
		size_t len;

		if (!strcmp(argv[i], "--"))
			return i + 1;
		if (*a == '-')
			a++;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = len == 1 ? find_opt(opts, a, 0, a[0]) : NULL;
		if (!o)
			o = find_opt(opts, a, len, 0);
		if (!o) {
			fprintf(stderr, "vessel: %s: unknown option '%s'\n", cmd, argv[i]);
			return -1;
		}
		o->set = true;
		if (!o->has_arg) {
			if (eq && strcmp(eq + 1, "true") && strcmp(eq + 1, "false")) {
				fprintf(stderr, "vessel: %s: --%s takes no value\n", cmd, o->name);
				return -1;
			}
			o->set = !eq || !strcmp(eq + 1, "true");
			continue;
		}
		if (!eq && i + 1 >= argc) {
			fprintf(stderr, "vessel: %s: --%s needs a value\n", cmd, o->name);
			return -1;
		}
		o->value = eq ? eq + 1 : argv[++i];
		if (o->multi && o->n < MAX_MULTI)
			o->values[o->n++] = o->value;
	}
	return i;
}

static const char *opt_value(struct opt *opts, const char *name, const char *def)
{
	struct opt *o = find_opt(opts, name, strlen(name), 0);

	return o && o->set && o->value ? o->value : def;
}

static bool opt_set(struct opt *opts, const char *name)
{
	struct opt *o = find_opt(opts, name, strlen(name), 0);

	return o && o->set;
}

static int opt_int(struct opt *opts, const char *name, int *out)
{
	const char *v = opt_value(opts, name, NULL);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 1 << 20) {
		fprintf(stderr, "vessel: --%s %s: expected a non-negative number\n", name, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* One container id and nothing else. */
static const char *one_id(const char *cmd, int argc, char **argv, int i)
{
	if (i != argc - 1) {
		fprintf(stderr, "vessel: %s: %s\n", cmd,
			i >= argc ? "needs a container id" : "takes one container id");
		return NULL;
	}
	if (!container_id_valid(argv[i])) {
		pr_err("'%s' is not a valid container id (letters, digits, '_', '+', '-', '.')",
		       argv[i]);
		return NULL;
	}
	return argv[i];
}

#define CREATE_OPTS \
	{ .name = "bundle", .short_name = 'b', .has_arg = true }, \
	{ .name = "console-socket", .has_arg = true }, \
	{ .name = "pid-file", .has_arg = true }, \
	{ .name = "no-pivot" }, \
	{ .name = "no-new-keyring" }, \
	{ .name = "preserve-fds", .has_arg = true }

static int fill_create(const struct globals *g, struct opt *opts, const char *id,
		       struct create_opts *co)
{
	*co = (struct create_opts){
		.root = g->root, .id = id, .bundle = opt_value(opts, "bundle", "."),
		.console_socket = opt_value(opts, "console-socket", NULL),
		.pid_file = opt_value(opts, "pid-file", NULL),
		.no_pivot = opt_set(opts, "no-pivot"), .systemd_cgroup = g->systemd_cgroup,
		.console_fd = -1,
	};
	return opt_int(opts, "preserve-fds", &co->preserve_fds);
}

static int cmd_create(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { CREATE_OPTS, { 0 } };
	struct create_opts co;
	struct container c;
	const char *id;
	int i = parse_opts("create", argc, argv, 1, opts), rc;

	if (i < 0 || !(id = one_id("create", argc, argv, i)) || fill_create(g, opts, id, &co))
		return 2;
	rc = container_create(&co, &c);
	state_free(&c);
	return rc ? 1 : 0;
}

static int load(const struct globals *g, const char *id, struct container *c)
{
	return id ? state_load(c, g->root, id) : -1;
}

/* A command of no options and one id: its container loaded; 0, or its exit status. */
static int load_only_id(const struct globals *g, const char *cmd, int argc, char **argv,
			struct container *c)
{
	struct opt opts[] = { { 0 } };
	int i = parse_opts(cmd, argc, argv, 1, opts);
	const char *id = i < 0 ? NULL : one_id(cmd, argc, argv, i);

	if (!id)
		return 2;
	return load(g, id, c) ? 1 : 0;
}

static int cmd_start(const struct globals *g, int argc, char **argv)
{
	struct container c;
	enum container_status st;
	int rc = load_only_id(g, "start", argc, argv, &c);

	if (rc)
		return rc;
	rc = 1;
	st = container_status(&c);
	if (st != ST_CREATED)
		pr_err("container %s is %s: only a created container can start", c.id,
		       status_name(st));
	else
		rc = container_start(&c) ? 1 : 0;
	state_free(&c);
	return rc;
}

static int cmd_oci_run(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { CREATE_OPTS, { .name = "detach", .short_name = 'd' },
			      { .name = "keep" }, { 0 } };
	struct create_opts co;
	struct container c;
	const char *id;
	int i = parse_opts("run", argc, argv, 1, opts), status, rc, master;
	int pty_socks[2] = { -1, -1 };
	sigset_t sigs;

	if (i < 0 || !(id = one_id("run", argc, argv, i)) || fill_create(g, opts, id, &co))
		return 2;
	/* Signals wait until the container can have them (wait_forwarding, terminal_proxy). */
	forwarded_signals(&sigs);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	/* In the foreground without a console socket, a terminal's master comes to us. */
	if (!co.console_socket && !opt_set(opts, "detach") &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pty_socks) == 0)
		co.console_fd = pty_socks[1];
	rc = container_create(&co, &c);
	if (pty_socks[1] >= 0)
		close(pty_socks[1]);
	master = rc || pty_socks[0] < 0 ? -1 : terminal_recv_master(pty_socks[0]);
	if (pty_socks[0] >= 0)
		close(pty_socks[0]);
	if (rc) {
		state_free(&c);
		return 1;
	}
	if (container_start(&c)) {
		container_delete(&c, true);
		state_free(&c);
		return 1;
	}
	if (opt_set(opts, "detach")) {
		state_free(&c);
		return 0;
	}
	if (master >= 0) {
		terminal_proxy(master, c.pid);
		close(master);
	}
	status = wait_forwarding(c.pid);
	if (!opt_set(opts, "keep"))
		container_delete(&c, true);
	state_free(&c);
	return status;
}

static int cmd_state(const struct globals *g, int argc, char **argv)
{
	struct container c;
	json_t *j;
	int rc = load_only_id(g, "state", argc, argv, &c);

	if (rc)
		return rc;
	j = container_oci_state(&c, container_status(&c));
	json_object_set_new(j, "rootfs", json_string(c.rootfs));
	json_object_set_new(j, "created", json_string(c.created));
	json_object_set_new(j, "owner", json_string(c.owner));
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	state_free(&c);
	return 0;
}

static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
		{ "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	char *end;
	long n;
	size_t i;

	n = strtol(s, &end, 10);
	if (!*end && end != s)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(names[i].name, s))
			return names[i].sig;
	return -1;
}

static int cmd_kill(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { { .name = "all", .short_name = 'a' }, { 0 } };
	int i = parse_opts("kill", argc, argv, 1, opts), sig = SIGTERM, rc = 1;
	struct container c;
	enum container_status st;

	if (i < 0 || i >= argc || argc - i > 2) {
		fprintf(stderr, "vessel: kill: usage: kill [--all] ID [SIGNAL]\n");
		return 2;
	}
	if (argc - i == 2 && (sig = parse_signal(argv[i + 1])) < 0) {
		pr_err("kill: '%s' is not a signal", argv[i + 1]);
		return 2;
	}
	if (load(g, argv[i], &c))
		return 1;
	st = container_status(&c);
	if (st == ST_STOPPED) {
		pr_err("container %s is not running", c.id);
	} else if (opt_set(opts, "all")) {
		rc = container_kill_all(&c, sig) ? 1 : 0;
	} else if (kill(c.pid, sig)) {
		pr_err("kill %s: %s", c.id, strerror(errno));
	} else {
		rc = 0;
	}
	state_free(&c);
	return rc;
}

static int cmd_delete(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { { .name = "force", .short_name = 'f' }, { 0 } };
	int i = parse_opts("delete", argc, argv, 1, opts), rc;
	const char *id = i < 0 ? NULL : one_id("delete", argc, argv, i);
	struct container c;
	char dir[PATH_MAX];

	if (!id)
		return 2;
	if (snprintf(dir, sizeof(dir), "%s/%s", g->root, id) >= (int)sizeof(dir))
		return 1;
	/* As runc: deleting a container that is not there is fine with --force. */
	if (opt_set(opts, "force") && access(dir, F_OK))
		return 0;
	if (load(g, id, &c)) {
		if (!opt_set(opts, "force") || access(dir, F_OK))
			return 1;
		/* A create that died half-way left its directory: --force clears it. */
		c = (struct container){ .dir = strdup(dir) };
		state_remove(&c);
		state_free(&c);
		return 0;
	}
	rc = container_delete(&c, opt_set(opts, "force")) ? 1 : 0;
	state_free(&c);
	return rc;
}

static int cmd_pause(const struct globals *g, int argc, char **argv, bool pause)
{
	const char *cmd = pause ? "pause" : "resume";
	struct container c;
	enum container_status st;
	int rc = load_only_id(g, cmd, argc, argv, &c);

	if (rc)
		return rc;
	rc = 1;
	st = container_status(&c);
	if (st != (pause ? ST_RUNNING : ST_PAUSED))
		pr_err("container %s is %s: %s needs it %s", c.id, status_name(st), cmd,
		       pause ? "running" : "paused");
	else
		rc = cgroup_freeze(c.cgroup, pause) ? 1 : 0;
	state_free(&c);
	return rc;
}

static int cmd_exec(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = {
		{ .name = "console-socket", .has_arg = true }, { .name = "cwd", .has_arg = true },
		{ .name = "env", .short_name = 'e', .has_arg = true, .multi = true },
		{ .name = "tty", .short_name = 't' }, { .name = "user", .short_name = 'u', .has_arg = true },
		{ .name = "additional-gids", .short_name = 'g', .has_arg = true, .multi = true },
		{ .name = "process", .short_name = 'p', .has_arg = true },
		{ .name = "detach", .short_name = 'd' }, { .name = "pid-file", .has_arg = true },
		{ .name = "process-label", .has_arg = true }, { .name = "apparmor", .has_arg = true },
		{ .name = "no-new-privs" }, { .name = "cap", .short_name = 'c', .has_arg = true, .multi = true },
		{ .name = "preserve-fds", .has_arg = true }, { .name = "ignore-paused" },
		{ .name = "cgroup", .has_arg = true, .multi = true }, { 0 }
	};
	struct exec_opts eo = { 0 };
	gid_t gids[MAX_MULTI];
	struct container c;
	int i = parse_opts("exec", argc, argv, 1, opts), status = 1;
	size_t k;

	if (i < 0 || i >= argc) {
		fprintf(stderr, "vessel: exec: usage: exec [options] ID [COMMAND ARGS...]\n");
		return 2;
	}
	eo.process_file = opt_value(opts, "process", NULL);
	if (!eo.process_file && i + 1 >= argc) {
		fprintf(stderr, "vessel: exec: a command (or --process FILE) is needed\n");
		return 2;
	}
	eo.args = argv + i + 1;
	eo.cwd = opt_value(opts, "cwd", NULL);
	eo.user = opt_value(opts, "user", NULL);
	eo.env = (char **)find_opt(opts, "env", 3, 0)->values;
	eo.caps = find_opt(opts, "cap", 3, 0)->n ? (char **)find_opt(opts, "cap", 3, 0)->values : NULL;
	for (k = 0; k < find_opt(opts, "additional-gids", 15, 0)->n; k++)
		gids[k] = (gid_t)strtoul(find_opt(opts, "additional-gids", 15, 0)->values[k], NULL, 10);
	eo.additional_gids = gids;
	eo.n_additional_gids = k;
	eo.tty = opt_set(opts, "tty");
	eo.tty_set = true;	/* as runc: exec has a terminal only with --tty */
	eo.no_new_privs = opt_set(opts, "no-new-privs");
	eo.detach = opt_set(opts, "detach");
	eo.console_socket = opt_value(opts, "console-socket", NULL);
	eo.pid_file = opt_value(opts, "pid-file", NULL);
	eo.apparmor = opt_value(opts, "apparmor", NULL);
	eo.process_label = opt_value(opts, "process-label", NULL);
	if (opt_int(opts, "preserve-fds", &eo.preserve_fds))
		return 2;
	if (load(g, argv[i], &c))
		return 1;
	if (container_exec(&c, &eo, &status))
		status = 1;
	state_free(&c);
	return status;
}

static int cmd_list(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { { .name = "format", .short_name = 'f', .has_arg = true },
			      { .name = "quiet", .short_name = 'q' }, { 0 } };
	int i = parse_opts("list", argc, argv, 1, opts);
	const char *fmt;

	if (i < 0 || i != argc)
		return 2;
	fmt = opt_value(opts, "format", "table");
	if (strcmp(fmt, "table") && strcmp(fmt, "json")) {
		fprintf(stderr, "vessel: list: --format is table or json\n");
		return 2;
	}
	return oci_list(g->root, !strcmp(fmt, "json"), opt_set(opts, "quiet"));
}

static int cmd_ps(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { { .name = "format", .short_name = 'f', .has_arg = true }, { 0 } };
	int i = parse_opts("ps", argc, argv, 1, opts);
	const char *fmt;

	if (i < 0 || i >= argc) {
		fprintf(stderr, "vessel: ps: usage: ps [--format table|json] ID [PS ARGS...]\n");
		return 2;
	}
	fmt = opt_value(opts, "format", "table");
	if (strcmp(fmt, "table") && strcmp(fmt, "json")) {
		fprintf(stderr, "vessel: ps: --format is table or json\n");
		return 2;
	}
	return oci_ps(g->root, argv[i], !strcmp(fmt, "json"), argv + i + 1);
}

static int cmd_features(const struct globals *g, int argc, char **argv)
{
	json_t *j;

	(void)g;
	(void)argv;
	if (argc > 1)
		return 2;
	j = oci_features();
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	return 0;
}

static int cmd_spec(const struct globals *g, int argc, char **argv)
{
	struct opt opts[] = { { .name = "bundle", .short_name = 'b', .has_arg = true },
			      { .name = "rootless" }, { 0 } };
	int i = parse_opts("spec", argc, argv, 1, opts), fd, rc;
	char path[PATH_MAX];
	json_t *j;

	(void)g;
	if (i < 0 || i != argc)
		return 2;
	snprintf(path, sizeof(path), "%s/config.json", opt_value(opts, "bundle", "."));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		pr_err("%s: %s", path, errno == EEXIST ? "already exists (remove it first)" :
		       strerror(errno));
		return 1;
	}
	j = spec_default(opt_set(opts, "rootless"));
	rc = json_dumpfd(j, fd, JSON_INDENT(2)) || write(fd, "\n", 1) != 1 ? 1 : 0;
	json_decref(j);
	close(fd);
	return rc;
}

static void oci_usage(FILE *f)
{
	fprintf(f,
		"usage: vessel oci [global options] COMMAND [options] [ID]\n"
		"       (or the binary called as vessel-runc: the same command line as runc)\n\n"
		"commands:\n"
		"  create   create a container from a bundle (--bundle DIR, --console-socket,\n"
		"           --pid-file, --no-pivot, --preserve-fds N)\n"
		"  start    run the created container's process\n"
		"  run      create and start, wait for it (--detach: do not), then delete it\n"
		"  state    the container's state as JSON\n"
		"  kill     send a signal (default SIGTERM; --all: every process)\n"
		"  delete   remove a stopped container (--force: any)\n"
		"  exec     run another process in it (--tty, --user, --env, --cwd, --process...)\n"
		"  list     the containers (--format table|json, --quiet)\n"
		"  ps       its processes (--format table|json, then ps options)\n"
		"  pause    freeze it; resume: thaw it\n"
		"  features what this runtime supports, as JSON\n"
		"  spec     write a default config.json (--bundle DIR, --rootless)\n\n"
		"global options: --root DIR (default /run/vessel), --log FILE,\n"
		"  --log-format text|json, --debug, --systemd-cgroup\n");
}

static const char *default_root(void)
{
	static char buf[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (!geteuid() || !xdg)
		return "/run/vessel";
	snprintf(buf, sizeof(buf), "%s/vessel", xdg);
	return buf;
}

static int open_log(struct opt *gopts)
{
	const char *path = opt_value(gopts, "log", NULL), *fmt = opt_value(gopts, "log-format", "text");
	int fd;

	if (strcmp(fmt, "text") && strcmp(fmt, "json")) {
		fprintf(stderr, "vessel: --log-format is text or json\n");
		return -1;
	}
	if (!path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "vessel: --log %s: %s\n", path, strerror(errno));
		return -1;
	}
	log_set_fd(fd, !strcmp(fmt, "json"));
	return 0;
}

static int cmd_pause_one(const struct globals *g, int argc, char **argv)
{
	return cmd_pause(g, argc, argv, true);
}

static int cmd_resume(const struct globals *g, int argc, char **argv)
{
	return cmd_pause(g, argc, argv, false);
}

static const struct {
	const char *name;
	int (*fn)(const struct globals *g, int argc, char **argv);
} commands[] = {
	{ "create", cmd_create }, { "start", cmd_start }, { "run", cmd_oci_run },
	{ "state", cmd_state }, { "kill", cmd_kill }, { "delete", cmd_delete },
	{ "exec", cmd_exec }, { "list", cmd_list }, { "ps", cmd_ps },
	{ "pause", cmd_pause_one }, { "resume", cmd_resume }, { "features", cmd_features },
	{ "spec", cmd_spec },
};

int oci_main(int argc, char **argv)
{
	struct opt gopts[] = {
		{ .name = "root", .has_arg = true }, { .name = "log", .has_arg = true },
		{ .name = "log-format", .has_arg = true }, { .name = "debug" },
		{ .name = "systemd-cgroup" }, { .name = "rootless", .has_arg = true },
		{ .name = "criu", .has_arg = true }, { .name = "version", .short_name = 'v' },
		{ .name = "help", .short_name = 'h' }, { 0 }
	};
	struct globals g;
	const char *cmd;
	int i = parse_opts("vessel", argc, argv, 1, gopts);
	size_t k;

	if (i < 0)
		return 2;
	if (opt_set(gopts, "version")) {
		printf("vessel version %s\nspec: 1.0.2\n", VESSEL_VERSION);
		return 0;
	}
	if (opt_set(gopts, "help") || i >= argc) {
		oci_usage(i >= argc && !opt_set(gopts, "help") ? stderr : stdout);
		return i >= argc && !opt_set(gopts, "help") ? 2 : 0;
	}
	if (open_log(gopts))
		return 2;
	log_set_verbose(opt_set(gopts, "debug"));
	g.root = opt_value(gopts, "root", default_root());
	g.systemd_cgroup = opt_set(gopts, "systemd-cgroup");
	cmd = argv[i];
	argc -= i;
	argv += i;
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(cmd, commands[k].name))
			return commands[k].fn(&g, argc, argv);
	if (!strcmp(cmd, "help")) {
		oci_usage(stdout);
		return 0;
	}
	fprintf(stderr, "vessel: unknown command '%s'\nTry 'vessel oci --help'.\n", cmd);
	return 2;
}
