#include "desktop/pool_token.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static const char hex_digits[] = "0123456789abcdef";

int pool_token_generate(char token[POOL_TOKEN_HEX + 1], struct error *err)
{
	uint8_t raw[POOL_TOKEN_BYTES];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return error_set(err, errno, "getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof(raw); i++) {
		token[2 * i] = hex_digits[raw[i] >> 4];
		token[2 * i + 1] = hex_digits[raw[i] & 0xf];
	}
	token[POOL_TOKEN_HEX] = '\0';
	return 0;
}

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (len != POOL_TOKEN_HEX)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr(hex_digits, s[i]) || !s[i])
			return false;
	return true;
}

bool pool_token_equal(const char *given, size_t len, const char token[POOL_TOKEN_HEX + 1])
{
	unsigned char diff = 0;
	size_t i;

	if (len != POOL_TOKEN_HEX)
		return false;
	for (i = 0; i < POOL_TOKEN_HEX; i++)
		diff |= (unsigned char)given[i] ^ (unsigned char)token[i];
	return diff == 0;
}

/* Written whole under a temporary name, then renamed: a crash leaves no half token. */
static int create(const char *path, char token[POOL_TOKEN_HEX + 1], struct error *err)
{
	char tmp[4096], line[POOL_TOKEN_HEX + 1];
	int fd;

	if (pool_token_generate(token, err))
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "%s: the path is too long", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, errno, "%s: %s", tmp, strerror(errno));
	memcpy(line, token, POOL_TOKEN_HEX);
	line[POOL_TOKEN_HEX] = '\n';
	if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) || fsync(fd)) {
		error_set(err, errno, "%s: %s", tmp, strerror(errno));
		goto err_unlink;
	}
	close(fd);
	if (rename(tmp, path))
		return error_set(err, errno, "%s: %s", path, strerror(errno));
	return 0;

err_unlink:
	close(fd);
	unlink(tmp);
	return -1;
}

int pool_token_load(const char *path, char token[POOL_TOKEN_HEX + 1], struct error *err)
{
	char buf[POOL_TOKEN_HEX + 2];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return create(path, token, err);
	if (fd < 0)
		return error_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		return error_set(err, EPERM, "%s: not a regular file of ours with mode 0600; "
				 "remove it to get a new token", path);
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n == POOL_TOKEN_HEX + 1 && buf[POOL_TOKEN_HEX] == '\n')
		n--;
	if (n < 0 || !is_token(buf, (size_t)n))
		return error_set(err, EINVAL, "%s: not a token (%d hex digits); remove it to get "
				 "a new one", path, POOL_TOKEN_HEX);
	memcpy(token, buf, POOL_TOKEN_HEX);
	token[POOL_TOKEN_HEX] = '\0';
	return 0;
}
