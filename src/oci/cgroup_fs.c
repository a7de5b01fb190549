/* Reading and writing one interface file of a cgroup directory. */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

int cg_read_file(const char *dir, const char *file, char *buf, size_t size)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

int cg_write_file(const char *dir, const char *file, const char *val, const char *field)
{
	char p[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n = -1;
	int fd, e;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		goto err;
	}
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		goto err;
	n = write(fd, val, len);
	e = errno;
	close(fd);
	errno = e;
	if (n >= 0 && (size_t)n == len)
		return 0;
	if (n >= 0)
		errno = EIO;
err:
	e = errno;
	pr_err("%s%scannot write \"%s\" to %s: %s", field ? field : "", field ? ": " : "", val, p,
	       strerror(e));
	errno = e;
	return -1;
}

int cg_write_i64(const char *dir, const char *file, int64_t v, const char *field)
{
	char buf[VAL_LEN];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cg_write_file(dir, file, buf, field);
}

bool cg_has_file(const char *dir, const char *file)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p))
		return false;
	return access(p, F_OK) == 0;
}
