/*
 * A running VM: KVM handles, guest RAM, the two I/O buses and the vCPU
 * threads that dispatch exits to them.
 */
#ifndef VESSEL_CORE_VM_H
#define VESSEL_CORE_VM_H

#include "core/guest_mem.h"
#include "core/io_bus.h"
#include "core/kvm.h"

#include <pthread.h>
#include <stdbool.h>

struct kvm_cpuid2;

struct kvm_run;

enum vm_exit {
	VM_RUNNING = 0,
	VM_EXIT_POWEROFF,	/* the guest turned itself off */
	VM_EXIT_RESET,		/* the guest asked for a reset */
	VM_EXIT_CRASH,		/* triple fault or a guest-reported panic */
	VM_EXIT_ERROR,		/* the VMM could not go on */
	VM_EXIT_SIGNAL,		/* stopped from the host (SIGINT, SIGTERM) */
	VM_EXIT_MIGRATED,	/* it runs on elsewhere now: a migration completed */
};

struct vm;

/* What KVM_RUN returned for, as the exit counters count it. */
enum vcpu_exit_kind {
	VCPU_EXIT_IO,
	VCPU_EXIT_MMIO,
	VCPU_EXIT_HLT,
	VCPU_EXIT_INTR,
	VCPU_EXIT_IRQ_WINDOW,
	VCPU_EXIT_SYSTEM_EVENT,
	VCPU_EXIT_IOAPIC_EOI,
	VCPU_EXIT_SHUTDOWN,
	VCPU_EXIT_INTERNAL_ERROR,
	VCPU_EXIT_FAIL_ENTRY,
	VCPU_EXIT_OTHER,
	VCPU_EXIT_KINDS
};

/* "io", "mmio", ...: the names the metrics give them. */
extern const char *const vcpu_exit_names[VCPU_EXIT_KINDS];

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	/* Written by the vCPU's thread only, read by anyone (relaxed: never torn). */
	uint64_t exits[VCPU_EXIT_KINDS];
};

struct vm {
	struct kvm kvm;
	struct guest_mem mem;
	struct io_bus pio;
	struct io_bus mmio;
	struct vcpu *vcpus;
	unsigned nr_vcpus;
	bool emulation_quirks;	/* handle emulation failures the host cannot */
	/*
	 * KVM_GET_SUPPORTED_CPUID's answer, kept by cpuid_setup: on a nested host each
	 * of its CPUID instructions traps, so the ioctl costs ~0.3 ms and is made once.
	 */
	struct kvm_cpuid2 *supported_cpuid;
	/* Split irqchip: a CPU's EOI of a level-triggered IOAPIC vector. */
	void (*ioapic_eoi)(void *opaque, uint8_t vector);
	void *ioapic_opaque;

	pthread_mutex_t lock;
	pthread_cond_t parked_cond;	/* a vCPU parked, or the pause ended */
	bool pause;			/* vCPUs park at their next exit */
	unsigned nr_parked;
	enum vm_exit exit;
	int exit_efd;		/* readable once exit is set */
};

int vm_init(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Create @n vCPUs; their CPUID and boot state are set by the caller. */
int vm_create_vcpus(struct vm *vm, unsigned n);

/* Start one thread per vCPU. vCPU 0 must have its boot state set. */
int vm_start(struct vm *vm);

/* Record why the VM stops (the first reason wins) and kick every vCPU out. */
void vm_request_exit(struct vm *vm, enum vm_exit why);
enum vm_exit vm_exit_reason(struct vm *vm);

/* Join the vCPU threads after an exit was requested. */
void vm_join(struct vm *vm);

/*
 * Stop every started vCPU at a known point: out of KVM_RUN with its last
 * exit completed (an I/O read's data in its registers), so its state can be
 * read. Returns once all are parked, or -1 if the VM is stopping.
 */
int vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);

#endif
