/* What --vnc says: where to listen, the password file, the frame rate. */
#ifndef VESSEL_DESKTOP_VNC_OPTIONS_H
#define VESSEL_DESKTOP_VNC_OPTIONS_H

#include "core/error.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/un.h>

#define VNC_DEFAULT_FPS		30
#define VNC_MAX_FPS		120

enum vnc_listen_kind { VNC_LISTEN_TCP, VNC_LISTEN_UNIX };

struct vnc_options {
	enum vnc_listen_kind kind;
	struct in_addr addr;		/* TCP: 127.0.0.1 unless given */
	unsigned port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];	/* unix: */
	char password_file[PATH_MAX];	/* "": no authentication */
	unsigned fps;
};

/* Parse ADDR:PORT|:PORT|PORT|unix:PATH[,password-file=F][,fps=N]; -1 with @err on bad input. */
int vnc_options_parse(const char *spec, struct vnc_options *o, struct error *err);

#endif
