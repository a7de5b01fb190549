/* The module vessel-desktop.so (core/module.h): the pool's listener on libwebsockets. */
#include "desktop/pool.h"

MODULE_EXPORT const struct pool_module vessel_module_desktop = {
	.h = { MODULE_ABI },
	.check = pool_config_check,
	.run = pool_run,
};
