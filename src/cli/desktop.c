/* vessel desktop: a pool of desktops behind one HTTP + WebSocket listener. */
#include "cli/cli.h"
#include "core/error.h"
#include "core/size.h"
#include "desktop/pool.h"
#include "desktop/pool_template.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_COUNT = 0x100,
	OPT_PREFIX,
	OPT_LISTEN,
	OPT_STATE_DIR,
	OPT_BASE_DISK,
	OPT_DISK_SIZE,
	OPT_NOVNC,
	OPT_TEMPLATE,
	OPT_HELP,
};

static const struct option desktop_options[] = {
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "base-disk", required_argument, NULL, OPT_BASE_DISK },
	{ "disk-size", required_argument, NULL, OPT_DISK_SIZE },
	{ "novnc-dir", required_argument, NULL, OPT_NOVNC },
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void desktop_usage(FILE *f)
{
	fprintf(f,
		"usage: vessel desktop --state-dir DIR [options] [-- RUN-OPTIONS...]\n"
		"Run a pool of desktops: N VMs from one template, each its own 'vessel run'\n"
		"with its VNC server on DIR/NAME.vnc, behind one HTTP + WebSocket listener\n"
		"that lists them and opens each in noVNC (docs/desktop-pool.md).\n\n"
		"  --count N          desktops, 1-%d (default 1)\n"
		"  --prefix NAME      they are NAME1 .. NAMEN (default %s)\n"
		"  --listen ADDR:PORT the listener (default %s; port 0 picks one)\n"
		"  --state-dir DIR    tokens (NAME.token, 0600), disks, console logs and\n"
		"                     VNC sockets; made 0700 if absent; one pool at a time\n"
		"  --base-disk FILE   a read-only disk every desktop gets (first disk)\n"
		"  --disk-size SIZE   each desktop also gets its own writable disk, DIR/NAME.disk,\n"
		"                     made sparse the first time and kept\n"
		"  --novnc-dir DIR    noVNC's files (default %s)\n"
		"  --template FILE    the same settings and the VM's as JSON (flags win)\n"
		"  RUN-OPTIONS        'vessel run' options for every desktop (--kernel,\n"
		"                     --memory, --cpus, --display, ...); without --kernel and\n"
		"                     --cmdline a desktop is the built-in guest's test display\n\n"
		"Open http://ADDR:PORT/ for the list, /desktop/NAME?token=TOKEN for a desktop.\n"
		"SIGINT or SIGTERM stops every desktop, then the pool (exit status 0).\n",
		POOL_MAX_DESKTOPS, POOL_DEFAULT_PREFIX, POOL_DEFAULT_LISTEN, POOL_NOVNC_DIR);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vessel desktop: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vessel desktop --help'.\n");
	return EXIT_USAGE;
}

static int load_template(const char *path, json_t **root, struct pool_config *cfg,
			 struct pool_args *args)
{
	struct error err = { 0 };
	json_error_t jerr;

	*root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root) {
		fprintf(stderr, "vessel desktop: %s:%d:%d: %s\n", path, jerr.line, jerr.column,
			jerr.text);
		return EXIT_USAGE;
	}
	if (pool_template_apply(*root, cfg, args, &err)) {
		fprintf(stderr, "vessel desktop: %s: %s\n", path, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* The template first, so that flags given with it override it. */
static const char *template_path(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--template") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--template=", 11))
			return argv[i] + 11;
	}
	return NULL;
}

static int parse_flags(int argc, char **argv, struct pool_config *cfg)
{
	uint64_t v;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", desktop_options, NULL)) != -1) {
		switch (opt) {
		case OPT_COUNT:
			if (parse_uint(optarg, POOL_MAX_DESKTOPS, &v) || !v)
				return bad("--count '%s': 1 to 256 desktops", optarg);
			cfg->count = (unsigned)v;
			break;
		case OPT_PREFIX:
			cfg->prefix = optarg;
			break;
		case OPT_LISTEN:
			cfg->listen = optarg;
			break;
		case OPT_STATE_DIR:
			cfg->state_dir = optarg;
			break;
		case OPT_BASE_DISK:
			cfg->base_disk = optarg;
			break;
		case OPT_DISK_SIZE:
			if (parse_size(optarg, 1 << 20, &cfg->disk_size) || !cfg->disk_size)
				return bad("--disk-size '%s': a size such as 4G", optarg);
			break;
		case OPT_NOVNC:
			cfg->novnc_dir = optarg;
			break;
		case OPT_TEMPLATE:
			break;
		case OPT_HELP:
			desktop_usage(stdout);
			return -1;
		default:
			return bad("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s' (vessel run's options go after --)",
			   argv[optind]);
	return 0;
}

/* The desktops' options, parsed as `vessel run` parses them: bad ones stop the pool now. */
static int check_run_args(struct pool_config *cfg)
{
	struct machine_config mc;
	char **argv = calloc((size_t)cfg->nr_run_args + 2, sizeof(*argv));
	int i, r;

	if (!argv)
		return bad("%s", "out of memory");
	argv[0] = "run";
	for (i = 0; i < cfg->nr_run_args; i++)
		argv[i + 1] = cfg->run_args[i];
	r = run_parse(cfg->nr_run_args + 1, argv, &mc);
	free(argv);
	if (r)
		return EXIT_USAGE;
	/* The built-in guest with nothing to do would power off at once. */
	cfg->default_cmdline = !mc.kernel_path && !mc.cmdline;
	return 0;
}

int cmd_desktop(int argc, char **argv)
{
	struct pool_config cfg = {
		.count = 1, .prefix = POOL_DEFAULT_PREFIX, .listen = POOL_DEFAULT_LISTEN,
		.novnc_dir = POOL_NOVNC_DIR,
	};
	struct pool_args args = { 0 };
	const struct pool_module *pool = NULL;
	const char *tpl = template_path(argc, argv);
	json_t *root = NULL;
	int i, flags_end = argc, r;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			flags_end = i;
			break;
		}
	r = tpl ? load_template(tpl, &root, &cfg, &args) : 0;
	if (!r)
		r = parse_flags(flags_end, argv, &cfg);
	for (i = flags_end + 1; !r && i < argc; i++)
		if (pool_args_add(&args, argv[i]))
			r = bad("%s", "out of memory");
	if (!r && !(pool = pool_module_load()))
		r = EXIT_FAILURE;
	if (!r) {
		cfg.run_args = args.v;
		cfg.nr_run_args = args.n;
		r = pool->check(&cfg);
	}
	if (!r)
		r = check_run_args(&cfg);
	if (!r)
		r = pool->run(&cfg);
	pool_args_free(&args);
	json_decref(root);
	return r < 0 ? 0 : r;
}
