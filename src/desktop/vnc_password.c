/* The VNC password, from a file only its owner can read (never the command line). */
#include "desktop/vnc_password.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vnc_password_read(const char *path, char out[VNC_PASSWORD_MAX + 1], struct error *err)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set(err, errno, "--vnc password-file=%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EINVAL, "--vnc password-file=%s: not a regular file", path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return error_set(err, EPERM,
				 "--vnc password-file=%s: others may read it (mode %04o): chmod 600 it",
				 path, (unsigned)(st.st_mode & 07777));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return error_set(err, errno, "--vnc password-file=%s: %s", path, strerror(errno));
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	if (!len)
		return error_set(err, EINVAL, "--vnc password-file=%s: the first line is empty",
				 path);
	/* VNC authentication (RFC 6143, 7.2.2) keys DES with the first 8 bytes only. */
	if (len > VNC_PASSWORD_MAX)
		return error_set(err, EINVAL,
				 "--vnc password-file=%s: VNC authentication takes at most %d characters",
				 path, VNC_PASSWORD_MAX);
	memcpy(out, buf, len);
	out[len] = '\0';
	memset(buf, 0, sizeof(buf));
	return 0;
}
