/* vCPU threads: KVM_RUN and the dispatch of its exits. */
#include "core/quirks.h"
#include "core/vm.h"
#include "core/log.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SIPI_POLL_US 200

static void kick_handler(int sig)
{
	(void)sig;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	for (i = 0; i < run->io.count; i++) {
		io_bus_access(&v->vm->pio, run->io.port, data, run->io.size, is_write);
		data += run->io.size;
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		return;
	io_bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len,
		      run->mmio.is_write);
}

static enum vm_exit handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return VM_EXIT_POWEROFF;
	case KVM_SYSTEM_EVENT_RESET:
		return VM_EXIT_RESET;
	case KVM_SYSTEM_EVENT_CRASH:
		pr_err("guest crashed (vCPU %u reported a crash event)", v->index);
		return VM_EXIT_CRASH;
	default:
		pr_err("vCPU %u: unknown system event %u", v->index,
		       v->run->system_event.type);
		return VM_EXIT_ERROR;
	}
}

static void report_triple_fault(struct vcpu *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) || ioctl(v->fd, KVM_GET_SREGS, &sregs)) {
		pr_err("guest triple fault on vCPU %u", v->index);
		return;
	}
	pr_err("guest triple fault on vCPU %u at rip 0x%llx (cr0 0x%llx cr3 0x%llx cr4 0x%llx)",
	       v->index, (unsigned long long)regs.rip, (unsigned long long)sregs.cr0,
	       (unsigned long long)sregs.cr3, (unsigned long long)sregs.cr4);
}

static enum vm_exit handle_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		return quirks_handle_emulation_failure(v) ? VM_EXIT_ERROR : VM_RUNNING;
	pr_err("vCPU %u: KVM internal error, suberror %u", v->index, run->internal.suberror);
	return VM_EXIT_ERROR;
}

const char *const vcpu_exit_names[VCPU_EXIT_KINDS] = {
	[VCPU_EXIT_IO] = "io",
	[VCPU_EXIT_MMIO] = "mmio",
	[VCPU_EXIT_HLT] = "hlt",
	[VCPU_EXIT_INTR] = "intr",
	[VCPU_EXIT_IRQ_WINDOW] = "irq_window",
	[VCPU_EXIT_SYSTEM_EVENT] = "system_event",
	[VCPU_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[VCPU_EXIT_SHUTDOWN] = "shutdown",
	[VCPU_EXIT_INTERNAL_ERROR] = "internal_error",
	[VCPU_EXIT_FAIL_ENTRY] = "fail_entry",
	[VCPU_EXIT_OTHER] = "other",
};

static enum vcpu_exit_kind exit_kind(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return VCPU_EXIT_IO;
	case KVM_EXIT_MMIO:
		return VCPU_EXIT_MMIO;
	case KVM_EXIT_HLT:
		return VCPU_EXIT_HLT;
	case KVM_EXIT_INTR:
		return VCPU_EXIT_INTR;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return VCPU_EXIT_IRQ_WINDOW;
	case KVM_EXIT_SYSTEM_EVENT:
		return VCPU_EXIT_SYSTEM_EVENT;
	case KVM_EXIT_IOAPIC_EOI:
		return VCPU_EXIT_IOAPIC_EOI;
	case KVM_EXIT_SHUTDOWN:
		return VCPU_EXIT_SHUTDOWN;
	case KVM_EXIT_INTERNAL_ERROR:
		return VCPU_EXIT_INTERNAL_ERROR;
	case KVM_EXIT_FAIL_ENTRY:
		return VCPU_EXIT_FAIL_ENTRY;
	default:
		return VCPU_EXIT_OTHER;
	}
}

/* One writer: a plain load and store, no locked instruction on the exit path. */
static void count_exit(struct vcpu *v, uint32_t reason)
{
	uint64_t *c = &v->exits[exit_kind(reason)];

	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* One exit; returns VM_RUNNING to go on, or why the VM must stop. */
static enum vm_exit handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	count_exit(v, run->exit_reason);

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return VM_RUNNING;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return VM_RUNNING;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return VM_RUNNING;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(v);
	case KVM_EXIT_IOAPIC_EOI:
		if (v->vm->ioapic_eoi)
			v->vm->ioapic_eoi(v->vm->ioapic_opaque, run->eoi.vector);
		return VM_RUNNING;
	case KVM_EXIT_SHUTDOWN:
		report_triple_fault(v);
		return VM_EXIT_CRASH;
	case KVM_EXIT_INTERNAL_ERROR:
		return handle_internal_error(v);
	case KVM_EXIT_FAIL_ENTRY:
		pr_err("vCPU %u: KVM could not enter the guest (hardware reason 0x%llx)",
		       v->index,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return VM_EXIT_ERROR;
	default:
		pr_err("vCPU %u: unexpected KVM exit %u", v->index, run->exit_reason);
		return VM_EXIT_ERROR;
	}
}

/*
 * Park until the pause ends. KVM_RUN with immediate_exit first completes the
 * last exit's instruction (an IN's data, an MMIO read) without running the
 * guest on (the KVM API's advice before reading a vCPU's state).
 */
static void park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		pr_debug("vCPU %u: KVM_RUN ran on despite immediate_exit", v->index);
	pthread_mutex_lock(&vm->lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->parked_cond);
	while (vm->pause && vm->exit == VM_RUNNING)
		pthread_cond_wait(&vm->parked_cond, &vm->lock);
	vm->nr_parked--;
	if (vm->exit == VM_RUNNING)
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->lock);
}

/* Read without the lock on every exit: a pause also kicks the vCPU, which then looks again. */
static bool pause_requested(struct vm *vm)
{
	return __atomic_load_n(&vm->pause, __ATOMIC_ACQUIRE);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];
	sigset_t set;

	/*
	 * Named so that top, perf and the benchmarks can tell guest time from ours;
	 * by the thread itself, which is a prctl(), not a write to its /proc file.
	 */
	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (vm_exit_reason(vm) == VM_RUNNING) {
		enum vm_exit why;

		if (pause_requested(vm)) {
			park(v);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			/* Some hosts return EAGAIN to an AP still waiting for its SIPI. */
			if (errno == EAGAIN) {
				usleep(SIPI_POLL_US);
				continue;
			}
			pr_err("vCPU %u: KVM_RUN: %s", v->index, strerror(errno));
			vm_request_exit(vm, VM_EXIT_ERROR);
			break;
		}
		why = handle_exit(v);
		if (why != VM_RUNNING)
			vm_request_exit(vm, why);
	}
	return NULL;
}

int vm_start(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	unsigned i;
	int r;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL)) {
		pr_err("sigaction: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		r = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (r) {
			pr_err("cannot start vCPU %u thread: %s", i, strerror(r));
			vm_request_exit(vm, VM_EXIT_ERROR);
			return -1;
		}
		v->thread_started = true;
	}
	return 0;
}
