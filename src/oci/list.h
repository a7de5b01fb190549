/* `list` and `ps`: what the state root and a container's cgroup hold. */
#ifndef VESSEL_OCI_LIST_H
#define VESSEL_OCI_LIST_H

#include <jansson.h>
#include <stdbool.h>

int oci_list(const char *root, bool json, bool quiet);
/* Like runc: `ps` with @ps_args (default -ef), only the container's lines; or a JSON array. */
int oci_ps(const char *root, const char *id, bool json, char **ps_args);
json_t *oci_features(void);

#endif
