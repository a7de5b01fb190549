/* The CPUID a guest sees: what KVM supports, with vessel's topology and KVM's PV leaves. */
#ifndef VESSEL_CORE_CPUID_H
#define VESSEL_CORE_CPUID_H

#include <stdint.h>

struct vm;
struct kvm_cpuid2;

/* Fetch KVM's supported CPUID (kept in vm->supported_cpuid) and set each vCPU's patched copy. */
int cpuid_setup(struct vm *vm);

/* Patch @c for vCPU @index of @nr_vcpus (one socket, one thread per core). */
void cpuid_patch(struct kvm_cpuid2 *c, unsigned index, unsigned nr_vcpus);

#endif
