/*
 * vessel desktop: a pool of desktops, each a `vessel run` child process with
 * its VNC server on a unix socket in the pool's state directory, behind one
 * HTTP + WebSocket listener (libwebsockets) that serves noVNC and proxies
 * each browser's WebSocket to its desktop's VNC socket.
 */
#ifndef VESSEL_DESKTOP_POOL_H
#define VESSEL_DESKTOP_POOL_H

#include "core/module.h"

#include <stdbool.h>
#include <stdint.h>

#define POOL_MAX_DESKTOPS	256
#define POOL_DEFAULT_LISTEN	"127.0.0.1:8080"
#define POOL_DEFAULT_PREFIX	"desktop"
#define POOL_NOVNC_DIR		"/usr/share/novnc"

struct pool_config {
	unsigned count;
	const char *prefix;		/* desktops are PREFIX1 .. PREFIXN */
	const char *listen;		/* ADDR:PORT; port 0 picks a free one */
	const char *state_dir;		/* tokens, per-desktop disks, logs, VNC sockets */
	const char *base_disk;		/* NULL, or a read-only disk every desktop gets */
	uint64_t disk_size;		/* 0, or the size of each desktop's own disk */
	const char *novnc_dir;
	char **run_args;		/* `vessel run` options for every desktop */
	int nr_run_args;
	bool default_cmdline;		/* add the built-in guest's display test to them */
};

/* Check @cfg (run_args are the caller's to check); 0, or 2 (usage) after a message. */
int pool_config_check(const struct pool_config *cfg);
/* Run the pool until SIGINT or SIGTERM; the exit status. */
int pool_run(const struct pool_config *cfg);

/* The module vessel-desktop.so's table (core/module.h): only the pool loads libwebsockets. */
struct pool_module {
	struct module_header h;
	int (*check)(const struct pool_config *cfg);
	int (*run)(const struct pool_config *cfg);
};
/* The module's table; NULL after a message saying why it would not load (pool_load.c). */
const struct pool_module *pool_module_load(void);

#endif
