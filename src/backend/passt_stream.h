/*
 * passt's stream framing (passt(1), qemu mode; QEMU's -netdev stream): each
 * Ethernet frame on the unix stream socket follows its length, 4 bytes in
 * network byte order. What passt sends is read through passt_next_frame.
 */
#ifndef VESSEL_BACKEND_PASST_STREAM_H
#define VESSEL_BACKEND_PASST_STREAM_H

#include "backend/net_backend.h"

#include <stddef.h>
#include <stdint.h>

#define PASST_LEN_SIZE		4
#define PASST_MAX_FRAME		(14 + NET_MAX_MTU)	/* an Ethernet header and the largest MTU */

/*
 * The frame at the start of @buf[0..@len): 1 with *@frame and *@frame_len
 * set (its bytes lie inside @buf; the next length follows them), 0 while it
 * is not all there yet, -1 when its length is 0 or above PASST_MAX_FRAME.
 */
int passt_next_frame(const uint8_t *buf, size_t len, const uint8_t **frame,
		     uint32_t *frame_len);
/* The length before a frame of @len bytes, into @b[0..PASST_LEN_SIZE). */
void passt_put_len(uint8_t *b, uint32_t len);

#endif
