/* process.terminal: a pty made in the container, its master handed out over --console-socket. */
#ifndef VESSEL_OCI_TERMINAL_H
#define VESSEL_OCI_TERMINAL_H

/* Connect to the console socket at @path (in the runtime's mount namespace). */
int console_socket_connect(const char *path);
/*
 * In the container: open a pty from /dev/ptmx, send its master over @sock
 * (SCM_RIGHTS), and make the slave the controlling terminal and stdio.
 */
int terminal_setup(int sock, unsigned short rows, unsigned short cols);

#endif
