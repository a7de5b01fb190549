/* process.terminal: a pty made in the container, its master handed out over --console-socket. */
#ifndef VESSEL_OCI_TERMINAL_H
#define VESSEL_OCI_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

/* Connect to the console socket at @path (in the runtime's mount namespace). */
int console_socket_connect(const char *path);
/*
 * In the container: open a pty from /dev/ptmx, send its master over @sock
 * (SCM_RIGHTS), give the slave to @uid/@gid, bind it on /dev/console if
 * @console (the container's init), and make it the controlling terminal and stdio.
 */
int terminal_setup(int sock, unsigned short rows, unsigned short cols, uid_t uid, gid_t gid,
		   bool console);

/* The pty master sent over @sock, if one was (does not wait): -1 if none. */
int terminal_recv_master(int sock);
/*
 * `run` without --console-socket: our stdin to the pty and its output to our
 * stdout, our terminal raw meanwhile (and its size passed on), until the
 * container's side closes. The signals that `run` blocked go to @pid meanwhile.
 */
void terminal_proxy(int master, pid_t pid);

#endif
