/* The module vessel-slirp.so (core/module.h): user-mode networking on libslirp. */
#include "backend/net_backend.h"

MODULE_EXPORT const struct net_user_module vessel_module_slirp = {
	.h = { MODULE_ABI },
	.open = user_open,
};
