/*
 * Restoring a snapshot directory: everything in it is checked (the state
 * file, the CPU it was taken on, the disks, the memory files of every layer)
 * before a machine is built, and the machine is built from the
 * configuration the snapshot holds, with its RAM the memory file mapped
 * copy-on-write.
 */
#ifndef VESSEL_API_RESTORE_H
#define VESSEL_API_RESTORE_H

#include "core/error.h"
#include "machine/machine.h"

#include <jansson.h>

#include <stdbool.h>

struct snapshot_restore;

/* Read and check @dir and its parents; NULL with @err naming the problem. */
struct snapshot_restore *snapshot_restore_open(const char *dir, struct error *err);
/* The machine to create (machine_create), its RAM the snapshot's; the caller may set host_console, start_paused. */
struct machine_config *snapshot_restore_config(struct snapshot_restore *s);
/* Into @m, created from that configuration: the diff layers' pages, then the machine's state. */
int snapshot_restore_load(struct snapshot_restore *s, struct machine *m, struct error *err);
/* After the machine is destroyed: the configuration's strings live here. */
void snapshot_restore_close(struct snapshot_restore *s);

/*
 * The machine_config that api_config_text's JSON @j describes (its strings
 * point into @j); its RAM must be @ram_size bytes unless that is 0.
 */
int api_config_from_json(json_t *j, uint64_t ram_size, struct machine_config *cfg,
			 struct error *err);

#endif
