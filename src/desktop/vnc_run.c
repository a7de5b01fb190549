/* vessel run --vnc: machine_run with the VNC server serving the machine's display. */
#include "desktop/vnc.h"
#include "api/api.h"
#include "core/log.h"

#include <stddef.h>

int vnc_machine_run(const struct machine_config *cfg, const struct vnc_options *o,
		    const char *api_socket)
{
	struct error err = { 0 };
	struct api_server *api = NULL;
	struct vnc_server *s;
	struct machine *m;
	int status;

	/* First: a port in use or a bad password file is refused before a VM is built. */
	s = vnc_server_create(o, &err);
	if (!s)
		goto err_report;
	if (api_socket && !(api = api_server_create(api_socket, &err)))
		goto err_server;
	m = machine_create(cfg, &err);
	if (!m)
		goto err_server;
	if ((api && api_server_start(api, m, &err)) || machine_start(m, &err) ||
	    vnc_server_start(s, m, &err))
		goto err_machine;
	status = machine_wait(m);
	vnc_server_destroy(s);
	api_server_destroy(api);
	machine_destroy(m);
	return status;

err_machine:
	vnc_server_destroy(s);
	api_server_destroy(api);
	machine_destroy(m);
	goto err_report;
err_server:
	api_server_destroy(api);
	vnc_server_destroy(s);
err_report:
	pr_err("%s", err.msg);
	return EXIT_VMM_ERROR;
}
