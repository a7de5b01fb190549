/* The machine as JSON: its state, its configuration, its counters. */
#ifndef VESSEL_API_VM_JSON_H
#define VESSEL_API_VM_JSON_H

#include "machine/machine.h"

#include <jansson.h>

const char *api_state_name(enum machine_state s);
/* The configuration as GET /vm shows it (a snapshot keeps it too). */
json_t *api_config_json(const struct machine_config *cfg);
/* GET /vm: {"state", "uptime_ms", "config"}. */
json_t *api_vm_json(struct machine *m);
/* GET /vm/metrics: {"devices": {NAME: {COUNTER: N}}, "vcpus": [{"id", "exits": {REASON: N}}]}. */
json_t *api_metrics_json(struct machine *m);

/*
 * The configuration to rebuild the machine from (a snapshot's, a
 * migration's): GET /vm's, and what it leaves out. Freed with free().
 */
char *api_config_text(const struct machine_config *cfg, size_t *len);

#endif
