/*
 * Host quirks: KVM hosts whose instruction emulator cannot run parts of a
 * stock kernel (software-only nested KVM such as PVM). On hardware KVM
 * hosts nothing here is active.
 */
#ifndef VESSEL_CORE_QUIRKS_H
#define VESSEL_CORE_QUIRKS_H

#include <stdbool.h>

struct vcpu;

/* True on a host known to need the quirks; @name gets a short host name. */
bool quirks_detect(const char **name);

/* Kernel parameters a Linux guest needs on such a host. */
const char *quirks_linux_params(void);

/*
 * The vCPU stopped on an instruction KVM could not emulate. Emulate it when
 * vessel can (and the VM's quirks are on): 0 to resume the vCPU. Otherwise
 * print the instruction bytes and address and return -1.
 */
int quirks_handle_emulation_failure(struct vcpu *v);

#endif
