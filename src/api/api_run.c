/*
 * vessel run --api-socket, and vessel run --restore: machine_run with the
 * control API serving the machine, and a machine restored from a snapshot.
 */
#include "api/api.h"
#include "api/restore.h"
#include "core/log.h"

#include <stdlib.h>

/* Create (and restore into) the machine; start it; serve it with @path's API, if any. */
static int run(const struct machine_config *cfg, const char *path, struct snapshot_restore *rs)
{
	struct error err = { 0 };
	struct api_server *s = NULL;
	struct machine *m;
	int status;

	/* First: a socket in use is refused before a VM is built. */
	if (path) {
		s = api_server_create(path, &err);
		if (!s)
			goto err_report;
	}
	m = machine_create(cfg, &err);
	if (!m)
		goto err_server;
	if (rs && snapshot_restore_load(rs, m, &err))
		goto err_machine;
	if ((s && api_server_start(s, m, &err)) || machine_start(m, &err))
		goto err_machine;
	status = machine_wait(m);
	api_server_destroy(s);
	machine_destroy(m);
	return status;

err_machine:
	api_server_destroy(s);
	machine_destroy(m);
	goto err_report;
err_server:
	api_server_destroy(s);
err_report:
	pr_err("%s", err.msg);
	return EXIT_VMM_ERROR;
}

int api_machine_run(const struct machine_config *cfg, const char *path)
{
	return run(cfg, path, NULL);
}

int api_restore_run(const char *dir, bool paused, const char *path)
{
	struct error err = { 0 };
	struct snapshot_restore *rs = snapshot_restore_open(dir, &err);
	struct machine_config *cfg;
	int status;

	if (!rs) {
		pr_err("%s", err.msg);
		return EXIT_VMM_ERROR;
	}
	cfg = snapshot_restore_config(rs);
	cfg->start_paused = paused;
	status = run(cfg, path, rs);
	snapshot_restore_close(rs);
	return status;
}
