/* The VNC server's state, shared by vnc.c (server, thread, events) and vnc_frame.c (the screen). */
#ifndef VESSEL_DESKTOP_VNC_INTERNAL_H
#define VESSEL_DESKTOP_VNC_INTERNAL_H

#include "core/dirty_log.h"
#include "desktop/dirty_rects.h"
#include "desktop/hot_pages.h"
#include "desktop/vnc_conn.h"
#include "desktop/vnc_input.h"
#include "desktop/vnc_options.h"
#include "desktop/vnc_password.h"
#include "machine/machine.h"

#include <rfb/rfb.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define NS_PER_SEC		1000000000ull

/* The server thread's poll set (vnc_loop.c). */
struct vnc_loop {
	struct pollfd *fds;
	size_t cap;
};

struct vnc_server {
	struct vnc_options opts;
	char password[VNC_PASSWORD_MAX + 1];
	char *passwords[2];
	int listen_fd;
	int http_idle_fd;	/* libvncserver's httpd "listens" here: never readable */
	struct machine *m;
	struct bochs_display *disp;
	unsigned pref_width, pref_height;
	rfbScreenInfoPtr screen;
	uint8_t *shadow;	/* the screen's pixels, in the guest's format */
	struct display_scanout mode;
	struct dirty_log log;
	bool log_open;
	unsigned long *bitmap;
	unsigned long *changed_pages;	/* of the last frame: those whose pixels differed */
	struct hot_pages hot;
	struct vnc_input input;
	struct vnc_conns conns;
	struct vnc_loop loop;
	uint64_t period, tick;		/* ns: the fps's frame time; the tick now */
	bool changed;			/* the last frame found something to send */
	unsigned still_frames;		/* frames in a row that found nothing */
	pthread_t thread;
	bool thread_started;
	int stop;
};

/* The framebuffer's pixels as the guest writes them, in its byte order. */
void vnc_frame_set_format(struct vnc_server *s, bool big_endian);
/* A frame tick: the dirty log's pages into the screen, what changed marked for the viewers. */
void vnc_frame(struct vnc_server *s);
/* A viewer connected: the screen brought up to date for it. */
void vnc_frame_new_viewer(struct vnc_server *s);
/* Nanoseconds to the next tick, from what the last one found. */
uint64_t vnc_next_tick(struct vnc_server *s);

/*
 * Wait up to @wait_ns (UINT64_MAX: until something comes) for the viewers,
 * the listener and the held connections, and read the messages of every
 * readable viewer. Returns 1 if the listener or a held connection needs
 * serving, 0 if not, a negative errno if the wait failed.
 */
int vnc_loop_wait(struct vnc_server *s, uint64_t wait_ns);
/*
 * Send each viewer what is due to it, if its socket can take it
 * (vnc_stall.h); let go of the viewers that left or stopped reading.
 */
void vnc_loop_update(struct vnc_server *s, uint64_t now);
void vnc_loop_free(struct vnc_loop *l);

#endif
