/* A vCPU's registers as KVM holds them: general purpose, special (segments, control), FPU. */
#ifndef VESSEL_CORE_VCPU_REGS_H
#define VESSEL_CORE_VCPU_REGS_H

#include "core/error.h"

#include <linux/kvm.h>

struct vcpu_regs {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
};

int vcpu_regs_get(int vcpu_fd, struct vcpu_regs *r, struct error *err);
int vcpu_regs_set(int vcpu_fd, const struct vcpu_regs *r, struct error *err);

#endif
