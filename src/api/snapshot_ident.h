/*
 * What a snapshot must be restored with: the same kind of host CPU, and the
 * same disk images. Taken when the snapshot is written, checked before
 * anything of it runs.
 */
#ifndef VESSEL_API_SNAPSHOT_IDENT_H
#define VESSEL_API_SNAPSHOT_IDENT_H

#include "api/snapshot_file.h"
#include "core/error.h"

struct kvm_cpuid2;

/*
 * This host's CPU: vendor, family and model from CPUID, and the feature
 * words KVM offers a guest (@supported: KVM_GET_SUPPORTED_CPUID's answer,
 * what vessel gives it; a machine keeps it, machine_supported_cpuid).
 */
void snapshot_cpu_identify(struct snapshot_cpu *c, const struct kvm_cpuid2 *supported);
/* The same where no machine exists yet: asks the KVM device at @kvm_path (NULL: the default). */
int snapshot_cpu_identify_host(struct snapshot_cpu *c, const char *kvm_path, struct error *err);
/* A snapshot's CPU may run here: same vendor, family, model; no feature missing. */
int snapshot_cpu_check(const struct snapshot_cpu *saved, const struct snapshot_cpu *here,
		       struct error *err);

/* The image at @path as it is now. */
int snapshot_disk_identify(struct snapshot_disk *d, const char *path, struct error *err);
/* Still the image the snapshot was taken with. */
int snapshot_disk_check(const struct snapshot_disk *saved, struct error *err);

#endif
