/* --net user: its backend from the module vessel-slirp.so, loaded by the first user NIC. */
#include "backend/net_backend.h"

#include <stddef.h>

struct net_backend *net_user_open(const struct net_options *o, struct error *err)
{
	const struct net_user_module *mod = module_load("slirp", err);

	if (!mod) {
		error_prefix(err, "--net user: ");
		return NULL;
	}
	return mod->open(o, err);
}
