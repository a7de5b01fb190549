/* Thin wrappers over the /dev/kvm and VM file descriptors. */
#ifndef VESSEL_CORE_KVM_H
#define VESSEL_CORE_KVM_H

#include "core/error.h"
#include "core/guest_mem.h"

#include <stdbool.h>
#include <stdint.h>

#define KVM_DEVICE_PATH "/dev/kvm"

struct kvm {
	int sys_fd;
	int vm_fd;
	int run_size;		/* size of each vCPU's struct kvm_run mapping */
	int manual_dirty;	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: 0 unknown, 1 on, -1 absent */
};

/* Open /dev/kvm (path may be NULL), check the API, create a VM. Prints why on failure. */
int kvm_open(struct kvm *kvm, const char *path);
void kvm_close(struct kvm *kvm);

int kvm_check_extension(const struct kvm *kvm, long cap);
int kvm_create_irqchip(struct kvm *kvm);
/* Local APICs in the kernel, the IOAPIC (and no PIC) in the VMM. */
int kvm_create_split_irqchip(struct kvm *kvm, unsigned ioapic_pins);
int kvm_create_pit(struct kvm *kvm);
/* Map (or with a new flags value, change) the region's slot; size 0 removes it. */
int kvm_set_memory_region(struct kvm *kvm, const struct guest_mem_region *r, uint64_t size,
			  struct error *err);
/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 on: the dirty log is cleared only by KVM_CLEAR_DIRTY_LOG. */
bool kvm_enable_manual_dirty_protect(struct kvm *kvm);
int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level);
/* Deliver one MSI message now. */
int kvm_signal_msi(struct kvm *kvm, uint64_t addr, uint32_t data);
/* Writes to the MMIO address @addr signal @efd in the kernel, not a VM exit. */
int kvm_ioeventfd(struct kvm *kvm, uint64_t addr, int efd, bool assign);

#endif
