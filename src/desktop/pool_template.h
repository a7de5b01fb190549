/*
 * A pool's template as a JSON file (vessel desktop --template FILE):
 *
 *   { "count": 20, "prefix": "desktop", "listen": "127.0.0.1:8080",
 *     "state_dir": "/var/lib/vessel/pool", "base_disk": "base.img", "disk_size": "4G",
 *     "kernel": "bzImage", "initrd": "initrd.img", "cmdline": "console=ttyS0",
 *     "memory": "512M", "cpus": 1, "display": "1280x800", "run_args": ["--rng"] }
 *
 * Every key is optional; unknown keys are errors (a typo must not pass
 * silently). The VM's keys become `vessel run` options, before run_args.
 */
#ifndef VESSEL_DESKTOP_POOL_TEMPLATE_H
#define VESSEL_DESKTOP_POOL_TEMPLATE_H

#include "desktop/pool.h"

#include <jansson.h>

struct error;

/* A growing list of `vessel run` options, each string the list's own. */
struct pool_args {
	char **v;
	int n, cap;
};

int pool_args_add(struct pool_args *a, const char *s);
void pool_args_free(struct pool_args *a);

/*
 * Fill @cfg and @args from @root (the template's JSON); strings in @cfg point
 * into @root, which must outlive @cfg. Errors name the key.
 */
int pool_template_apply(json_t *root, struct pool_config *cfg, struct pool_args *args,
			struct error *err);

#endif
