/*
 * A machine's state as bytes, for snapshots and migration: every vCPU, the
 * interrupt controllers KVM keeps, KVM's PIT, the KVM clock, then every
 * device's record (registry_save). Guest RAM is not in it: the caller moves
 * RAM itself (a memory file, pre-copy rounds).
 */
#ifndef VESSEL_MACHINE_SNAPSHOT_H
#define VESSEL_MACHINE_SNAPSHOT_H

#include "core/error.h"
#include "core/guest_mem.h"
#include "core/state.h"
#include "machine/machine.h"

#define MACHINE_STATE_VERSION 1

/* The machine paused (EBUSY otherwise). */
int machine_state_save(struct machine *m, struct state_writer *w, struct error *err);
/*
 * Into a machine created from the same configuration with cfg->restore set
 * and not started yet; machine_start then runs (or, with cfg->start_paused,
 * parks) the vCPUs from the loaded state.
 */
int machine_state_load(struct machine *m, struct state_reader *r, struct error *err);

/* Guest RAM: one host mapping holding every RAM region in order, map_size bytes. */
struct guest_mem *machine_guest_mem(struct machine *m);

#endif
