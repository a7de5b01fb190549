#include "core/module.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODULE_NAME_MAX		32

/* The directory of the running executable, as the kernel has it. */
static int exe_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* Where vessel-@name.so is: $VESSEL_MODULE_DIR, beside the executable, or installed. */
static void module_path(const char *name, char *path, size_t size)
{
	const char *env = getenv(MODULE_DIR_ENV);
	char dir[PATH_MAX];

	if (env && *env) {
		snprintf(path, size, "%s/vessel-%s.so", env, name);
		return;
	}
	if (!exe_dir(dir, sizeof(dir))) {
		snprintf(path, size, "%s/vessel-%s.so", dir, name);
		if (!access(path, F_OK))
			return;
	}
	snprintf(path, size, "%s/vessel-%s.so", VESSEL_MODULE_DIR, name);
}

const void *module_load(const char *name, struct error *err)
{
	char path[PATH_MAX + MODULE_NAME_MAX + 16], sym[MODULE_NAME_MAX + 16];
	const struct module_header *h;
	void *handle;

	module_path(name, path, sizeof(path));
	/* RTLD_NOW: a symbol it lacks is told here, not as a crash later. Kept once loaded. */
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		error_set(err, ENOENT, "vessel's module %s cannot be loaded: %s", path, dlerror());
		return NULL;
	}
	snprintf(sym, sizeof(sym), "vessel_module_%s", name);
	h = dlsym(handle, sym);
	if (!h) {
		error_set(err, ENOENT, "%s is not vessel's module %s (it has no %s)", path, name,
			  sym);
		goto err_close;
	}
	if (!h->abi || strcmp(h->abi, MODULE_ABI)) {
		error_set(err, EINVAL, "%s was built for %s, not for this %s", path,
			  h->abi ? h->abi : "another program", MODULE_ABI);
		goto err_close;
	}
	return h;

err_close:
	dlclose(handle);
	return NULL;
}
