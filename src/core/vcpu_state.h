/*
 * A stopped vCPU's whole architectural state as KVM holds it, as one
 * versioned record: registers, special registers, FPU/XSAVE, XCRs, the MSRs
 * KVM can save, the local APIC, pending events, MP state, debug registers.
 */
#ifndef VESSEL_CORE_VCPU_STATE_H
#define VESSEL_CORE_VCPU_STATE_H

#include "core/error.h"
#include "core/state.h"
#include "core/vm.h"

#define VCPU_STATE_VERSION 1

/*
 * The MSRs worth saving on this host: KVM_GET_MSR_INDEX_LIST plus what KVM
 * emulates without listing it (MTRRs, PAT, ...), less those a vCPU refuses.
 * Filled once per VM with @v, the first vCPU.
 */
struct vcpu_msr_list {
	uint32_t *index;
	unsigned nr;
};

int vcpu_msr_list_init(struct vcpu_msr_list *l, struct vm *vm, struct error *err);
void vcpu_msr_list_free(struct vcpu_msr_list *l);

/* The vCPU must be parked or never run. */
int vcpu_state_save(struct vcpu *v, const struct vcpu_msr_list *msrs, struct state_writer *w,
		    struct error *err);
int vcpu_state_load(struct vcpu *v, struct state_reader *r, struct error *err);

#endif
