/*
 * The host terminal as the guest's serial console: raw mode while the VM runs
 * (always restored), stdin to the guest's console device, and the host signals
 * that stop the VM; served by the machine's event loop.
 */
#ifndef VESSEL_MACHINE_CONSOLE_H
#define VESSEL_MACHINE_CONSOLE_H

#include "core/event_loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

struct vm;

/* Where host input goes: the UART, or virtio-console. */
struct console_input {
	size_t (*receive)(void *opaque, const uint8_t *buf, size_t len);
	size_t (*room)(void *opaque);
	int (*room_fd)(void *opaque);	/* readable when room frees up */
	void *opaque;
};

struct console {
	struct termios saved;
	bool raw;
	bool stdin_open;
	bool stdin_file;	/* a regular file: epoll cannot wait on it, it is always ready */
	bool escape;		/* the last byte was the escape key (Ctrl-A) */
	int sigfd;
	int signal;		/* the host signal that stopped the VM, or 0 */
	struct vm *vm;
	struct console_input in;
	struct event_loop *loop;
	struct event_watch *sig_watch;
	struct event_watch *in_watch;	/* on stdin, or on the room fd while the guest is full */
	int in_watch_fd;
};

/* Block the stop signals (before vCPU threads exist) and open a signalfd. */
int console_init(struct console *c);

/* Serve stdin and the stop signals on @loop from now on. */
int console_attach(struct console *c, struct event_loop *loop, struct vm *vm,
		   const struct console_input *in);

/* Remove the watches, restore the terminal. */
void console_restore(struct console *c);

#endif
