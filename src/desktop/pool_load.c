/* vessel desktop: the pool from the module vessel-desktop.so (core/module.h). */
#include "desktop/pool.h"
#include "core/log.h"

const struct pool_module *pool_module_load(void)
{
	struct error err = { 0 };
	const struct pool_module *mod = module_load("desktop", &err);

	if (!mod)
		pr_err("desktop: %s", err.msg);
	return mod;
}
