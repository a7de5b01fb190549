/* --vnc's argument. Nothing is opened here: the server checks the files. */
#include "desktop/vnc_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_address(const char *a, size_t len, struct vnc_options *o, struct error *err)
{
	char host[64], *colon;

	if (len >= 5 && !strncmp(a, "unix:", 5)) {
		if (len == 5)
			return error_set(err, EINVAL, "--vnc unix: no socket path given");
		return 1;	/* the caller copies the path */
	}
	if (len >= sizeof(host))
		return error_set(err, EINVAL, "--vnc: address too long");
	memcpy(host, a, len);
	host[len] = '\0';
	o->kind = VNC_LISTEN_TCP;
	o->addr.s_addr = htonl(INADDR_LOOPBACK);
	colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		if (host[0] && !strcmp(host, "localhost"))
			strcpy(host, "127.0.0.1");
		if (host[0] && inet_pton(AF_INET, host, &o->addr) != 1)
			return error_set(err, EINVAL, "--vnc: '%s' is not an IPv4 address", host);
	}
	if (parse_uint(colon ? colon + 1 : host, 65535, &o->port) || !o->port)
		return error_set(err, EINVAL, "--vnc: '%s' is not a port (1-65535)",
				 colon ? colon + 1 : host);
	return 0;
}

static int parse_key(const char *kv, struct vnc_options *o, struct error *err)
{
	if (!strncmp(kv, "password-file=", 14)) {
		if (!kv[14])
			return error_set(err, EINVAL, "--vnc: password-file= names no file");
		if (strlen(kv + 14) >= sizeof(o->password_file))
			return error_set(err, ENAMETOOLONG, "--vnc: password-file name too long");
		strcpy(o->password_file, kv + 14);
		return 0;
	}
	if (!strncmp(kv, "fps=", 4)) {
		if (parse_uint(kv + 4, VNC_MAX_FPS, &o->fps) || !o->fps)
			return error_set(err, EINVAL, "--vnc: fps=%s: a number from 1 to %d",
					 kv + 4, VNC_MAX_FPS);
		return 0;
	}
	return error_set(err, EINVAL, "--vnc: unknown option '%s' (password-file=F, fps=N)", kv);
}

int vnc_options_parse(const char *spec, struct vnc_options *o, struct error *err)
{
	const char *comma = strchr(spec, ','), *p;
	size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
	int r;

	memset(o, 0, sizeof(*o));
	o->fps = VNC_DEFAULT_FPS;
	if (!len)
		return error_set(err, EINVAL, "--vnc: no address given (ADDR:PORT or unix:PATH)");
	r = parse_address(spec, len, o, err);
	if (r < 0)
		return -1;
	if (r == 1) {
		if (len - 5 >= sizeof(o->path))
			return error_set(err, ENAMETOOLONG, "--vnc unix: socket path too long");
		o->kind = VNC_LISTEN_UNIX;
		memcpy(o->path, spec + 5, len - 5);
		o->path[len - 5] = '\0';
	}
	for (p = comma; p; p = strchr(p + 1, ',')) {
		const char *next = strchr(p + 1, ',');
		char kv[PATH_MAX + 32];
		size_t n = next ? (size_t)(next - p - 1) : strlen(p + 1);

		if (n >= sizeof(kv))
			return error_set(err, ENAMETOOLONG, "--vnc: option too long");
		memcpy(kv, p + 1, n);
		kv[n] = '\0';
		if (parse_key(kv, o, err))
			return -1;
	}
	return 0;
}
