/* Viewer events to guest input: keysyms mapped, pointers scaled to the absolute axes. */
#include "desktop/vnc_input.h"
#include "core/input.h"
#include "desktop/keymap.h"

#include <rfb/rfbproto.h>

#define RFB_BUTTONS	(INPUT_BTN_LEFT | INPUT_BTN_MIDDLE | INPUT_BTN_RIGHT | \
			 INPUT_BTN_WHEEL_UP | INPUT_BTN_WHEEL_DOWN)

void vnc_input_init(struct vnc_input *in, const struct vnc_input_sink *sink)
{
	*in = (struct vnc_input){ .sink = *sink, .width = 1, .height = 1 };
}

void vnc_input_set_size(struct vnc_input *in, unsigned width, unsigned height)
{
	in->width = width ? width : 1;
	in->height = height ? height : 1;
}

void vnc_input_key(struct vnc_input *in, bool down, uint32_t keysym)
{
	unsigned code = keymap_keysym_to_key(keysym);

	if (!code) {
		in->keys_unmapped++;
		return;
	}
	in->keys++;
	in->sink.key(in->sink.opaque, code, down);
}

/* Pixel @v of @size pixels to 0 .. INPUT_ABS_MAX: the last pixel is the axis's end. */
static unsigned scale(int v, unsigned size)
{
	if (v <= 0 || size <= 1)
		return 0;
	if ((unsigned)v >= size - 1)
		return INPUT_ABS_MAX;
	return (unsigned)(((uint64_t)v * INPUT_ABS_MAX + (size - 1) / 2) / (size - 1));
}

void vnc_input_pointer(struct vnc_input *in, int buttons, int x, int y)
{
	in->pointer_events++;
	in->sink.pointer(in->sink.opaque, scale(x, in->width), scale(y, in->height),
			 (unsigned)buttons & RFB_BUTTONS);
}

void vnc_input_cut_text(struct vnc_input *in, const char *text, int len)
{
	(void)text;
	if (len > 0)
		in->cut_text_bytes += (uint64_t)len;
}

int vnc_input_desktop_size(struct vnc_input *in, int width, int height, int screens)
{
	(void)width;
	(void)height;
	(void)screens;
	in->resizes_refused++;
	return rfbExtDesktopSize_ResizeProhibited;
}
