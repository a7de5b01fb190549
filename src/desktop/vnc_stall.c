/* Whether a viewer's socket can take its next update (vnc_stall.h). */
#include "desktop/vnc_stall.h"

enum vnc_stall_verdict vnc_stall_judge(struct vnc_stall *st, size_t queued, size_t room,
				       size_t need, uint64_t now)
{
	if (room > VNC_STALL_QUEUE_MAX)
		room = VNC_STALL_QUEUE_MAX;
	if (queued == 0 || (queued < room && need <= room - queued)) {
		st->since = 0;
		return VNC_STALL_SEND;
	}
	if (!st->since || queued < st->queued)
		st->since = now;
	st->queued = queued;
	return now - st->since >= VNC_STALL_DROP_NS ? VNC_STALL_DROP : VNC_STALL_SKIP;
}
