/* Messages between the runtime and a container's init over a SOCK_SEQPACKET pair. */
#ifndef VESSEL_OCI_SYNC_H
#define VESSEL_OCI_SYNC_H

#include <stddef.h>

enum sync_type {
	SYNC_GO = 1,		/* runtime -> init: id maps written, cgroup joined */
	SYNC_HOOKS,		/* init -> runtime: namespaces ready, run createRuntime hooks */
	SYNC_HOOKS_DONE,	/* runtime -> init: the state for the container's hooks follows */
	SYNC_CREATED,		/* init -> runtime: waiting for start */
	SYNC_LOG_ERR,		/* init -> runtime: an error message; init gives up */
	SYNC_LOG_WARN,		/* init -> runtime: a warning */
	SYNC_LOG_DEBUG,
};

#define SYNC_MAX	65536

/* Send a message with @len bytes of @data (may be 0). */
int sync_send(int fd, enum sync_type type, const void *data, size_t len);
/* Receive one; returns its type (0 at EOF, -1 on error), the text NUL-terminated in @buf. */
int sync_recv(int fd, char *buf, size_t size);

/*
 * A child of the runtime (a container's init, a process for exec) logs over
 * its socket: log_set_sink(sync_log_sink, &fd). Where the socket is gone the
 * message goes to stderr.
 */
void sync_log_sink(void *fd, const char *level, const char *msg);
/* The runtime's side: print a child's SYNC_LOG_* message at its level. */
void sync_log_print(int type, const char *msg);

#endif
