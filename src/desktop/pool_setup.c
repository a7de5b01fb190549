/*
 * The pool from its configuration: the state directory (locked, so two pools
 * never share it), and for each desktop its token, its own disk, its paths
 * and its child's command line. Then the run: spawn, serve, stop.
 */
#include "desktop/pool_internal.h"
#include "core/log.h"
#include "machine/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CMDLINE	"vessel.test=display"

/* Options the pool sets for every desktop itself. */
static const char *const pool_owned[] = { "--vnc", "--api-socket", "--help" };

static bool pool_owned_option(const char *arg)
{
	size_t i, n;

	for (i = 0; i < sizeof(pool_owned) / sizeof(pool_owned[0]); i++) {
		n = strlen(pool_owned[i]);
		if (!strncmp(arg, pool_owned[i], n) && (arg[n] == '\0' || arg[n] == '='))
			return true;
	}
	return false;
}

static int __attribute__((format(printf, 1, 2))) usage(const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vessel desktop: %s\n", msg);
	return EXIT_USAGE;
}

int pool_config_check(const struct pool_config *cfg)
{
	char addr[64];
	int port, i;

	if (cfg->count < 1 || cfg->count > POOL_MAX_DESKTOPS)
		return usage("--count %u: 1 to %d desktops", cfg->count, POOL_MAX_DESKTOPS);
	if (!pool_name_valid(cfg->prefix, strlen(cfg->prefix)) ||
	    strlen(cfg->prefix) > POOL_NAME_MAX - 3)
		return usage("--prefix '%s': 1-%d letters, digits, '-' or '_'", cfg->prefix,
			     POOL_NAME_MAX - 3);
	if (pool_parse_listen(cfg->listen, addr, sizeof(addr), &port))
		return usage("--listen '%s': ADDR:PORT with an IPv4 address and a port 0-65535",
			     cfg->listen);
	if (!cfg->state_dir || !cfg->state_dir[0])
		return usage("--state-dir DIR is required: the desktops' tokens, disks, logs "
			     "and VNC sockets live there");
	if ((cfg->base_disk || cfg->disk_size) && strchr(cfg->state_dir, ','))
		return usage("--state-dir %s: a path with a comma cannot name a disk",
			     cfg->state_dir);
	if (cfg->base_disk && strchr(cfg->base_disk, ','))
		return usage("--base-disk %s: a path with a comma cannot name a disk",
			     cfg->base_disk);
	if (cfg->base_disk && access(cfg->base_disk, R_OK))
		return usage("--base-disk %s: %s", cfg->base_disk, strerror(errno));
	for (i = 0; i < cfg->nr_run_args; i++)
		if (pool_owned_option(cfg->run_args[i]))
			return usage("%s: the pool sets it for each desktop itself",
				     cfg->run_args[i]);
	return 0;
}

static int state_dir(const char *dir, int *lock_fd, struct error *err)
{
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return error_set(err, errno, "--state-dir %s: %s", dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "--state-dir %s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return error_set(err, EBUSY, "--state-dir %s: another pool uses it", dir);
	}
	*lock_fd = fd;
	return 0;
}

/* A desktop's own disk: made sparse the first time, kept (with what the guest wrote) after. */
static int own_disk(const char *path, uint64_t size, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? 0 : error_set(err, errno, "%s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)size)) {
		error_set(err, errno, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

static int build_argv(struct desktop *d, const struct pool_config *cfg, bool default_cmdline)
{
	int n = 0, i;
	char **argv = calloc((size_t)cfg->nr_run_args + 12, sizeof(*argv));

	if (!argv)
		return -1;
	d->argv = argv;
	if (asprintf(&d->vnc_arg, "unix:%s", d->vnc_path) < 0) {
		d->vnc_arg = NULL;
		return -1;
	}
	if (cfg->base_disk && asprintf(&d->base_arg, "%s,readonly", cfg->base_disk) < 0) {
		d->base_arg = NULL;
		return -1;
	}
	argv[n++] = "vessel";
	argv[n++] = "run";
	for (i = 0; i < cfg->nr_run_args; i++)
		argv[n++] = cfg->run_args[i];
	if (default_cmdline) {
		argv[n++] = "--cmdline";
		argv[n++] = DEFAULT_CMDLINE;
	}
	if (d->base_arg) {
		argv[n++] = "--disk";
		argv[n++] = d->base_arg;
	}
	if (d->disk_path[0]) {
		argv[n++] = "--disk";
		argv[n++] = d->disk_path;
	}
	argv[n++] = "--vnc";
	argv[n++] = d->vnc_arg;
	return 0;
}

static int fit(char *buf, size_t size, const char *dir, const char *name, const char *ext)
{
	return snprintf(buf, size, "%s/%s%s", dir, name, ext) < (int)size ? 0 : -1;
}

static int setup_desktop(struct pool *p, unsigned i, bool default_cmdline, struct error *err)
{
	const struct pool_config *cfg = p->cfg;
	struct desktop *d = &p->desktops[i];
	char token_path[PATH_MAX];

	d->pool = p;
	d->state = DESKTOP_STOPPED;
	d->status = -1;
	snprintf(d->name, sizeof(d->name), "%s%u", cfg->prefix, i + 1);
	if (fit(d->vnc_path, sizeof(d->vnc_path), cfg->state_dir, d->name, ".vnc"))
		return error_set(err, ENAMETOOLONG, "--state-dir %s: too long for a unix socket "
				 "path (%zu bytes with the desktop's name)", cfg->state_dir,
				 sizeof(d->vnc_path) - 1);
	if (fit(d->log_path, sizeof(d->log_path), cfg->state_dir, d->name, ".log") ||
	    fit(token_path, sizeof(token_path), cfg->state_dir, d->name, ".token") ||
	    fit(d->disk_path, sizeof(d->disk_path), cfg->state_dir, d->name, ".disk"))
		return error_set(err, ENAMETOOLONG, "--state-dir %s: too long", cfg->state_dir);
	if (pool_token_load(token_path, d->token, err))
		return -1;
	if (!cfg->disk_size)
		d->disk_path[0] = '\0';
	else if (own_disk(d->disk_path, cfg->disk_size, err))
		return -1;
	if (build_argv(d, cfg, default_cmdline))
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int setup(struct pool *p, const struct pool_config *cfg, int *lock_fd, struct error *err)
{
	ssize_t n;
	unsigned i;

	p->cfg = cfg;
	n = readlink("/proc/self/exe", p->self, sizeof(p->self) - 1);
	if (n < 0)
		return error_set(err, errno, "/proc/self/exe: %s", strerror(errno));
	p->self[n] = '\0';
	if (state_dir(cfg->state_dir, lock_fd, err))
		return -1;
	p->desktops = calloc(cfg->count, sizeof(*p->desktops));
	if (!p->desktops)
		return error_set(err, ENOMEM, "out of memory");
	p->count = cfg->count;
	for (i = 0; i < p->count; i++)
		if (setup_desktop(p, i, cfg->default_cmdline, err))
			return -1;
	return 0;
}

static void teardown(struct pool *p, int lock_fd)
{
	unsigned i;

	if (p->ctx)
		lws_context_destroy(p->ctx);
	for (i = 0; i < p->count; i++) {
		struct desktop *d = &p->desktops[i];

		unlink(d->vnc_path);
		free(d->argv);
		free(d->vnc_arg);
		free(d->base_arg);
	}
	free(p->desktops);
	free(p->mount);
	if (lock_fd >= 0)
		close(lock_fd);
}

static void spawn_all(struct pool *p)
{
	struct error err;
	unsigned i;

	for (i = 0; i < p->count; i++) {
		error_clear(&err);
		if (desktop_start(&p->desktops[i], &err))
			pr_err("%s", err.msg);
	}
}

int pool_run(const struct pool_config *cfg)
{
	struct pool p = { 0 };
	struct error err = { 0 };
	int lock_fd = -1, r = 1;
	sigset_t set;

	p.started_ns = pool_now_ns();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	p.cfg = cfg;
	/* The listener first: a port in use leaves no state directory behind. */
	if (pool_http_create(&p, &err) || setup(&p, cfg, &lock_fd, &err) ||
	    pool_watch_signals(&p, &set, &err)) {
		pr_err("desktop: %s", err.msg);
		goto out;
	}
	pr_info("desktop: %u desktops on http://%s:%d/ (state, tokens, disks and logs in %s)",
		p.count, p.listen_addr, p.port, cfg->state_dir);
	spawn_all(&p);
	while (!p.stopping || p.nr_alive)
		if (lws_service(p.ctx, 0) < 0)
			break;
	r = 0;
out:
	teardown(&p, lock_fd);
	return r;
}
