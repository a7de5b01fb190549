/*
 * What viewers send (RFC 6143, 7.5): key and pointer events, cut text and
 * desktop-size requests, checked and turned into the guest's input. No
 * libvncserver types here: the fuzz target drives these directly.
 */
#ifndef VESSEL_DESKTOP_VNC_INPUT_H
#define VESSEL_DESKTOP_VNC_INPUT_H

#include <stdbool.h>
#include <stdint.h>

struct vnc_input_sink {
	void (*key)(void *opaque, unsigned code, bool down);	/* a Linux KEY_* code */
	/* Absolute, 0 .. INPUT_ABS_MAX on each axis; INPUT_BTN_* buttons held. */
	void (*pointer)(void *opaque, unsigned x, unsigned y, unsigned buttons);
	void *opaque;
};

struct vnc_input {
	struct vnc_input_sink sink;
	unsigned width, height;		/* the screen the viewers see */
	uint64_t keys, keys_unmapped, pointer_events, cut_text_bytes, resizes_refused;
};

void vnc_input_init(struct vnc_input *in, const struct vnc_input_sink *sink);
void vnc_input_set_size(struct vnc_input *in, unsigned width, unsigned height);
void vnc_input_key(struct vnc_input *in, bool down, uint32_t keysym);
/* Coordinates as the viewer sent them, which may lie outside the screen. */
void vnc_input_pointer(struct vnc_input *in, int buttons, int x, int y);
/* The guest has no clipboard device: counted, dropped. */
void vnc_input_cut_text(struct vnc_input *in, const char *text, int len);
/* SetDesktopSize (RFB extended desktop size): the guest sets its mode; returns the reason code. */
int vnc_input_desktop_size(struct vnc_input *in, int width, int height, int screens);

#endif
