/*
 * The control API: HTTP/1.1 with JSON bodies on a unix socket, served by
 * libwebsockets on a thread of its own, driving one machine through the
 * machine library (docs/api.yaml).
 */
#ifndef VESSEL_API_API_H
#define VESSEL_API_API_H

#include "core/error.h"
#include "machine/machine.h"

#include <stdbool.h>

struct api_server;

/*
 * Listen on @path (mode 0600): a live socket there is refused, a stale one
 * replaced. Nothing is served until api_server_start. NULL with @err.
 */
struct api_server *api_server_create(const char *path, struct error *err);
/* Serve @m on the server's thread; before machine_start (it observes @m's state). */
int api_server_start(struct api_server *s, struct machine *m, struct error *err);
/*
 * After machine_wait: give replies in flight and event streams a moment to
 * carry the shutdown, then stop, remove the socket and free.
 */
void api_server_destroy(struct api_server *s);

/* vessel run --api-socket @path: create, serve, start, wait, destroy. Prints any error. */
int api_machine_run(const struct machine_config *cfg, const char *path);
/*
 * vessel run --restore @dir [--paused] [--api-socket @path]: the snapshot
 * checked, its machine built, restored and started (parked with @paused).
 */
int api_restore_run(const char *dir, bool paused, const char *path);

#endif
