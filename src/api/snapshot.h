/*
 * Snapshots of a paused machine into a directory (docs/snapshot.md):
 * DIR/state (api/snapshot_file.h) and DIR/memory, guest RAM as a sparse
 * file of its size (holes for zero pages). A diff snapshot's DIR/memory
 * holds only the pages written since the snapshot before it, its parent;
 * its state file names the parent and lists those pages.
 */
#ifndef VESSEL_API_SNAPSHOT_H
#define VESSEL_API_SNAPSHOT_H

#include "api/snapshot_file.h"
#include "core/dirty_log.h"
#include "core/error.h"
#include "machine/machine.h"

#define SNAPSHOT_STATE_FILE	"state"
#define SNAPSHOT_MEMORY_FILE	"memory"

/* What a machine's snapshots so far left for the next diff: the dirty log and the last one. */
struct snapshot_tracker {
	struct dirty_log logs[GUEST_MEM_MAX_RAM];
	unsigned nr_logs;
	char last[PATH_MAX];		/* "" until the first snapshot */
};

struct snapshot_result {
	uint64_t ns;			/* from the call to the files in place */
	uint64_t pages;			/* written to DIR/memory */
	uint64_t state_bytes;
};

void snapshot_tracker_init(struct snapshot_tracker *t);
void snapshot_tracker_close(struct snapshot_tracker *t);

/*
 * Write a snapshot of @m (paused) into @dir: created if missing, refused if
 * it holds a snapshot already. Nothing is left there on failure.
 */
int snapshot_write(struct machine *m, struct snapshot_tracker *t, const char *dir,
		   enum snapshot_type type, struct snapshot_result *res, struct error *err);

#endif
