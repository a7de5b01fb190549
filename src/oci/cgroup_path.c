/*
 * A container's cgroup path: made from linux.cgroupsPath (plain or the systemd
 * "slice:prefix:name" form), and checked where it comes back from the state.
 */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

static int path_append(char *out, size_t size, size_t *len, const char *comp, size_t n)
{
	if (*len + 1 + n >= size)
		return -1;
	out[(*len)++] = '/';
	memcpy(out + *len, comp, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* "a-b-c.slice" lives at "/a.slice/a-b.slice/a-b-c.slice" (systemd.slice(5)); "-.slice" is the root. */
static int expand_slice(const char *slice, char *out, size_t size, size_t *len)
{
	size_t n = strlen(slice), stem;
	const char *dash;
	char comp[NAME_MAX + 1];

	if (!strcmp(slice, "-.slice"))
		return 0;
	if (n <= 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/'))
		return -1;
	stem = n - 6;
	if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--"))
		return -1;
	for (dash = slice; (dash = memchr(dash, '-', stem - (size_t)(dash - slice))); dash++) {
		size_t k = (size_t)(dash - slice);

		if (k + 6 > NAME_MAX)
			return -1;
		memcpy(comp, slice, k);
		memcpy(comp + k, ".slice", 7);
		if (path_append(out, size, len, comp, k + 6))
			return -1;
	}
	return path_append(out, size, len, slice, n);
}

static char *resolve_systemd(const char *spec, const char *id)
{
	char slice[NAME_MAX + 1], out[PATH_MAX] = "", unit[NAME_MAX + 1];
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *prefix, *name;
	size_t len = 0, plen;

	if (!c2 || strchr(c2 + 1, ':') || (size_t)(c1 - spec) > NAME_MAX)
		goto bad;
	memcpy(slice, spec, (size_t)(c1 - spec));
	slice[c1 - spec] = '\0';
	prefix = c1 + 1;
	plen = (size_t)(c2 - prefix);
	name = *(c2 + 1) ? c2 + 1 : id;
	if (strchr(name, '/') || memchr(prefix, '/', plen))
		goto bad;
	if (expand_slice(*slice ? slice : "system.slice", out, sizeof(out), &len))
		goto bad;
	if ((size_t)snprintf(unit, sizeof(unit), "%.*s%s%s.scope", (int)plen, prefix,
			     plen ? "-" : "", name) >= sizeof(unit))
		goto bad;
	if (path_append(out, sizeof(out), &len, unit, strlen(unit)))
		goto bad;
	return strdup(out);
bad:
	pr_err("config.json: linux.cgroupsPath: \"%s\" is not of the form slice:prefix:name", spec);
	return NULL;
}

static char *resolve_plain(const char *spec)
{
	char out[PATH_MAX] = "";
	const char *p = spec, *end;
	size_t len = 0, n;

	for (; *p; p = end) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (!n)
			continue;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			pr_err("config.json: linux.cgroupsPath: \"%s\": \".\" and \"..\" are not allowed",
			       spec);
			return NULL;
		}
		if (path_append(out, sizeof(out), &len, p, n)) {
			pr_err("config.json: linux.cgroupsPath: \"%s\" is too long", spec);
			return NULL;
		}
	}
	if (!len) {
		pr_err("config.json: linux.cgroupsPath: \"%s\" names the root cgroup", spec);
		return NULL;
	}
	return strdup(out);
}

char *cgroup_resolve(const char *cgroups_path, const char *id)
{
	char buf[NAME_MAX + 2];

	if (!id || !*id || strchr(id, '/') || strlen(id) > NAME_MAX) {
		pr_err("cgroup: container id \"%s\" cannot name a cgroup", id ? id : "");
		return NULL;
	}
	if (cgroups_path && *cgroups_path) {
		if (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))
			return resolve_systemd(cgroups_path, id);
		return resolve_plain(cgroups_path);
	}
	snprintf(buf, sizeof(buf), "/%s", id);
	return strdup(buf);
}

/* Absolute, below the root, each component a plain name: what cgroup_resolve makes. */
bool cg_path_ok(const char *path)
{
	const char *p = path, *end;
	size_t n;

	for (; p && *p == '/'; p = end) {
		end = strchrnul(p + 1, '/');
		n = (size_t)(end - p - 1);
		if (!n || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			break;
		if (!*end)
			return true;
	}
	pr_err("cgroup: \"%s\" is not an absolute cgroup path below the root", path ? path : "");
	return false;
}
