/*
 * The VNC server's listening socket and the first bytes of each connection:
 * an RFB viewer (it waits for the server to speak), a WebSocket upgrade
 * (noVNC), or a browser asking for a page.
 */
#ifndef VESSEL_DESKTOP_VNC_LISTEN_H
#define VESSEL_DESKTOP_VNC_LISTEN_H

#include "core/error.h"
#include "desktop/vnc_options.h"

#include <stddef.h>

/* A non-blocking listening socket for @o; -1 with @err (in use, not an address here, ...). */
int vnc_listen(const struct vnc_options *o, struct error *err);

enum vnc_conn_kind {
	VNC_CONN_RFB,		/* no request: a viewer waiting for ProtocolVersion */
	VNC_CONN_WEBSOCKET,	/* GET with Upgrade: websocket */
	VNC_CONN_HTTP_ROOT,	/* GET / : sent on to noVNC's page */
	VNC_CONN_HTTP_FILE,	/* GET of anything else: a file of noVNC */
	VNC_CONN_INCOMPLETE,	/* a request whose header has not ended yet */
	VNC_CONN_BAD,
};

/* What the first @len bytes a client sent make of it. */
enum vnc_conn_kind vnc_conn_classify(const char *buf, size_t len);

/* Answer GET / with a redirect to noVNC's page, connecting to this server. */
void vnc_http_redirect(int fd);

#endif
