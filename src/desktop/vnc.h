/*
 * A VM's screen over VNC (RFB 3.8, libvncserver) and to a browser (noVNC
 * over WebSocket, on the same port), on a thread of its own. Each frame
 * tick, while viewers are connected, asks the dirty log which framebuffer
 * pages the guest wrote and sends only what changed there.
 */
#ifndef VESSEL_DESKTOP_VNC_H
#define VESSEL_DESKTOP_VNC_H

#include "core/error.h"
#include "core/module.h"
#include "desktop/vnc_options.h"
#include "machine/machine.h"

/* Where the browser page's files come from (Debian's novnc package). */
#define VNC_NOVNC_DIR		"/usr/share/novnc"

struct vnc_server;

/*
 * Check the password file and listen, before a VM exists: bad input is
 * refused with nothing built. NULL with @err.
 */
struct vnc_server *vnc_server_create(const struct vnc_options *o, struct error *err);
/* Serve @m's display (after machine_start). */
int vnc_server_start(struct vnc_server *s, struct machine *m, struct error *err);
/* Stops serving, closes every viewer, removes a unix socket's file. */
void vnc_server_destroy(struct vnc_server *s);

/* vessel run --vnc: machine_run with the VNC server (and with @api_socket, the API too). */
int vnc_machine_run(const struct machine_config *cfg, const struct vnc_options *o,
		    const char *api_socket);

/* The module vessel-vnc.so's table (core/module.h): only --vnc loads libvncserver. */
struct vnc_module {
	struct module_header h;
	int (*run)(const struct machine_config *cfg, const struct vnc_options *o,
		   const char *api_socket);
};
/* vnc_machine_run through the module (vnc_load.c); prints any error. */
int vnc_run(const struct machine_config *cfg, const struct vnc_options *o,
	    const char *api_socket);

#endif
