#include "oci/sync.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int sync_send(int fd, enum sync_type type, const void *data, size_t len)
{
	uint32_t t = type;
	struct iovec iov[2] = { { &t, sizeof(t) }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > SYNC_MAX - sizeof(t)) {
		errno = EMSGSIZE;
		return -1;
	}
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int sync_recv(int fd, char *buf, size_t size)
{
	uint32_t t;
	struct iovec iov[2] = { { &t, sizeof(t) }, { buf, size - 1 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	do
		n = recvmsg(fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (int)n;
	if ((size_t)n < sizeof(t))
		return -1;
	buf[n - sizeof(t)] = 0;
	return (int)t;
}

void sync_log_sink(void *fd, const char *level, const char *msg)
{
	enum sync_type t = !strcmp(level, "error") ? SYNC_LOG_ERR :
			   !strcmp(level, "debug") ? SYNC_LOG_DEBUG : SYNC_LOG_WARN;

	if (sync_send(*(const int *)fd, t, msg, strlen(msg)) < 0)
		dprintf(STDERR_FILENO, "vessel: %s: %s\n", level, msg);
}

void sync_log_print(int type, const char *msg)
{
	if (type == SYNC_LOG_ERR && *msg)
		pr_err("%s", msg);
	else if (type == SYNC_LOG_WARN)
		pr_warn("%s", msg);
	else if (type == SYNC_LOG_DEBUG)
		pr_debug("%s", msg);
}
