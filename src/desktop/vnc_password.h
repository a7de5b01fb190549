#ifndef VESSEL_DESKTOP_VNC_PASSWORD_H
#define VESSEL_DESKTOP_VNC_PASSWORD_H

#include "core/error.h"

#define VNC_PASSWORD_MAX	8

/* The first line of @path: a regular file that neither group nor others may use. */
int vnc_password_read(const char *path, char out[VNC_PASSWORD_MAX + 1], struct error *err);

#endif
