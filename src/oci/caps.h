/* process.capabilities of config.json: the five sets, by name ("CAP_NET_ADMIN"). */
#ifndef VESSEL_OCI_CAPS_H
#define VESSEL_OCI_CAPS_H

#include <jansson.h>
#include <stdint.h>

struct caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/*
 * Parse @capabilities (NULL: every set empty); an unknown name is an error naming it,
 * one newer than the running kernel is skipped with a warning.
 */
int caps_parse(const json_t *capabilities, const char *path, struct caps *out);
/* Name of capability @bit, or NULL. */
const char *caps_name(unsigned bit);
/*
 * Drop from the bounding set all not in @c (needs CAP_SETPCAP: call before changing uid).
 * One the runtime's own bounding set lacks is warned about, not an error.
 */
int caps_apply_bounding(const struct caps *c);
/*
 * Set effective, permitted, inheritable and ambient (after the uid change, with
 * PR_SET_KEEPCAPS set before it). A capability outside the bounding set is left
 * out with a warning; one lost otherwise (no keepcaps) and an ambient one not in
 * both permitted and inheritable are errors.
 */
int caps_apply(const struct caps *c);

#endif
