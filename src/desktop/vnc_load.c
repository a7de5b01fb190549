/* vessel run --vnc: the VNC server from the module vessel-vnc.so (core/module.h). */
#include "desktop/vnc.h"
#include "core/log.h"

int vnc_run(const struct machine_config *cfg, const struct vnc_options *o,
	    const char *api_socket)
{
	struct error err = { 0 };
	const struct vnc_module *mod = module_load("vnc", &err);

	if (!mod) {
		pr_err("--vnc: %s", err.msg);
		return EXIT_VMM_ERROR;
	}
	return mod->run(cfg, o, api_socket);
}
