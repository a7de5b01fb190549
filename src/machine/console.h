/*
 * The host terminal as the guest's serial console: raw mode while the VM runs
 * (always restored), stdin to the guest's console device, and the host signals
 * that stop the VM.
 */
#ifndef VESSEL_MACHINE_CONSOLE_H
#define VESSEL_MACHINE_CONSOLE_H

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
	bool escape;		/* the last byte was the escape key (Ctrl-A) */
	int sigfd;
};

/* Block the stop signals (before vCPU threads exist) and open a signalfd. */
int console_init(struct console *c);

/* Serve stdin and signals until the VM stops; returns the stopping signal or 0. */
int console_loop(struct console *c, struct vm *vm, const struct console_input *in);

void console_restore(struct console *c);

#endif
