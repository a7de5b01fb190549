/*
 * An EDID 1.4 base block (VESA E-EDID, release A revision 2) describing a
 * virtual monitor: its preferred mode first, standard modes up to 1920x1080.
 */
#ifndef VESSEL_DISPLAY_EDID_H
#define VESSEL_DISPLAY_EDID_H

#include <stdint.h>

#define EDID_BLOCK_SIZE		128

/* Fill @out for a monitor whose preferred (native) mode is @width x @height at 60 Hz. */
void edid_build(uint8_t out[EDID_BLOCK_SIZE], unsigned width, unsigned height);

#endif
