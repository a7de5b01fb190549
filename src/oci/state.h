/*
 * Container records under the state root (--root, default /run/vessel): one
 * directory a container, holding state.json (vessel's record), config.json
 * (the spec as created, read again by exec) and, until `start`, exec.fifo.
 */
#ifndef VESSEL_OCI_STATE_H
#define VESSEL_OCI_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

enum container_status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

struct container {
	char *root;		/* the state root */
	char *id;
	char *dir;		/* root/id */
	char *bundle, *rootfs, *cgroup, *created, *owner;
	pid_t pid;
	unsigned long long start_time;	/* of pid, against pid reuse (proc(5) field 22) */
	bool systemd_cgroup;
	json_t *annotations;
};

/* runc's rule for ids: letters, digits and "_+-.", not "." or "..". */
bool container_id_valid(const char *id);

/* Make the state root if needed and claim root/id; EEXIST means the id is taken. */
int state_claim(struct container *c, const char *root, const char *id);
int state_save(const struct container *c);
/* Read root/id/state.json; a missing container is an error naming the id. */
int state_load(struct container *c, const char *root, const char *id);
/* Remove root/id and everything in it. */
void state_remove(const struct container *c);
void state_free(struct container *c);

enum container_status container_status(const struct container *c);
const char *status_name(enum container_status s);
/* Whether the container's init process still runs (not a zombie, same start time). */
bool container_alive(const struct container *c);
/* The state as the runtime spec defines it (state.md). */
json_t *container_oci_state(const struct container *c, enum container_status s);

/* The same as compact JSON text, as hooks read it on stdin (malloc'ed). */
char *state_json_text(const struct container *c, enum container_status s);

/* proc(5) start time of @pid; 0 if it is gone. */
unsigned long long pid_start_time(pid_t pid);
/* Write @text in one write to the existing file @path (proc and sysfs); errno on failure. */
int write_existing(const char *path, const char *text);
/* --pid-file: @pid written to @path atomically (NULL: nothing to do). */
int write_pid_file(const char *path, pid_t pid);
/* Write @text to @path atomically (a temporary file renamed over it). */
int write_file_atomic(const char *path, const char *text);

#endif
