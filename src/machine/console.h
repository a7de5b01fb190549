/*
 * The host terminal as the guest's serial console: raw mode while the VM runs
 * (always restored), stdin to the UART, and the host signals that stop the VM.
 */
#ifndef VESSEL_MACHINE_CONSOLE_H
#define VESSEL_MACHINE_CONSOLE_H

#include <stdbool.h>
#include <termios.h>

struct uart16550;
struct vm;

struct console {
	struct termios saved;
	bool raw;
	bool stdin_open;
	bool escape;		/* the last byte was the escape key (Ctrl-A) */
	int sigfd;
};

/* Block the stop signals (before vCPU threads exist) and open a signalfd. */
int console_init(struct console *c);

/* Serve stdin and signals until the VM stops; returns the stopping signal or 0. */
int console_loop(struct console *c, struct vm *vm, struct uart16550 *uart);

void console_restore(struct console *c);

#endif
