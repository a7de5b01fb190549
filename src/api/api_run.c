/* vessel run --api-socket: machine_run with the control API serving the machine. */
#include "api/api.h"
#include "core/log.h"

int api_machine_run(const struct machine_config *cfg, const char *path)
{
	struct error err = { 0 };
	struct api_server *s;
	struct machine *m;
	int status;

	/* First: a socket in use is refused before a VM is built. */
	s = api_server_create(path, &err);
	if (!s)
		goto err_report;
	m = machine_create(cfg, &err);
	if (!m)
		goto err_server;
	if (api_server_start(s, m, &err) || machine_start(m, &err))
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
