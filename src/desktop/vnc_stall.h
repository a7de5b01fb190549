/*
 * A viewer that stops reading: libvncserver writes an update until it is
 * all out, waiting on the socket, so one viewer that takes nothing would
 * hold up the server thread and with it every other viewer of the
 * desktop. Before each update the server asks whether the viewer's socket
 * can take it; one that cannot is skipped (what changed accumulates in
 * its region: it gets one update covering it when it drains), and one
 * that takes nothing at all for VNC_STALL_DROP_NS is let go. Past
 * VNC_STALL_QUEUE_MAX queued, a viewer is behind by more than a second of
 * small updates: the kernel's send buffer grows to megabytes on loopback,
 * and filling it would only make the viewer's screen late.
 */
#ifndef VESSEL_DESKTOP_VNC_STALL_H
#define VESSEL_DESKTOP_VNC_STALL_H

#include <stddef.h>
#include <stdint.h>

#define VNC_STALL_DROP_NS	5000000000ull
#define VNC_STALL_DROP_MS	5000
#define VNC_STALL_QUEUE_MAX	(256u << 10)

struct vnc_stall {
	uint64_t since;		/* ns: skipped since then without progress; 0 if not */
	size_t queued;		/* what its socket held at the last skip */
};

enum vnc_stall_verdict {
	VNC_STALL_SEND,		/* the update fits: send it */
	VNC_STALL_SKIP,		/* not now: the socket has too much queued */
	VNC_STALL_DROP,		/* nothing taken for VNC_STALL_DROP_NS: disconnect */
};

/*
 * An update of at most @need bytes to a viewer whose socket holds @queued
 * unsent or unacknowledged bytes and takes @room in all (taken as at most
 * VNC_STALL_QUEUE_MAX), at @now. An empty
 * socket always gets the update (nothing better will come of waiting); a
 * queue that shrank since the last skip is progress.
 */
enum vnc_stall_verdict vnc_stall_judge(struct vnc_stall *st, size_t queued, size_t room,
				       size_t need, uint64_t now);

#endif
