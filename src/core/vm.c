#include "core/vm.h"
#include "core/log.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int vm_init(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm.sys_fd = vm->kvm.vm_fd = -1;
	io_bus_init(&vm->pio);
	io_bus_init(&vm->mmio);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->parked_cond, NULL);
	vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->exit_efd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, (size_t)vm->kvm.run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
	vm->nr_vcpus = 0;
	kvm_close(&vm->kvm);
	guest_mem_destroy(&vm->mem);
	io_bus_destroy(&vm->pio);
	io_bus_destroy(&vm->mmio);
	if (vm->exit_efd >= 0)
		close(vm->exit_efd);
	vm->exit_efd = -1;
	pthread_cond_destroy(&vm->parked_cond);
	pthread_mutex_destroy(&vm->lock);
}

int vm_create_vcpus(struct vm *vm, unsigned n)
{
	unsigned i;

	vm->vcpus = calloc(n, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		pr_err("out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		vm->vcpus[i].fd = -1;
	vm->nr_vcpus = n;
	for (i = 0; i < n; i++) {
		struct vcpu *v = &vm->vcpus[i];
		void *run;

		v->vm = vm;
		v->index = i;
		v->fd = ioctl(vm->kvm.vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0) {
			pr_err("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			return -1;
		}
		run = mmap(NULL, (size_t)vm->kvm.run_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, v->fd, 0);
		if (run == MAP_FAILED) {
			pr_err("mmap of vCPU %u state: %s", i, strerror(errno));
			return -1;
		}
		v->run = run;
	}
	return 0;
}

/* Make every vCPU leave KVM_RUN (or not enter it) and look at the VM's state. */
static void kick_vcpus(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, SIGUSR1);
	}
}

void vm_request_exit(struct vm *vm, enum vm_exit why)
{
	uint64_t one = 1;
	bool first;

	pthread_mutex_lock(&vm->lock);
	first = vm->exit == VM_RUNNING;
	if (first)
		vm->exit = why;
	/* Parked vCPUs leave too, and a pause waiting for them gives up. */
	pthread_cond_broadcast(&vm->parked_cond);
	pthread_mutex_unlock(&vm->lock);
	if (!first)
		return;
	if (write(vm->exit_efd, &one, sizeof(one)) < 0)
		pr_debug("exit eventfd: %s", strerror(errno));
	kick_vcpus(vm);
}

int vm_pause(struct vm *vm)
{
	unsigned started = 0, i;
	int r = 0;

	for (i = 0; i < vm->nr_vcpus; i++)
		started += vm->vcpus[i].thread_started;
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->pause, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->lock);
	kick_vcpus(vm);
	pthread_mutex_lock(&vm->lock);
	while (vm->nr_parked < started && vm->exit == VM_RUNNING)
		pthread_cond_wait(&vm->parked_cond, &vm->lock);
	if (vm->exit != VM_RUNNING)
		r = -1;
	pthread_mutex_unlock(&vm->lock);
	return r;
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->pause, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->parked_cond);
	pthread_mutex_unlock(&vm->lock);
}

enum vm_exit vm_exit_reason(struct vm *vm)
{
	enum vm_exit e;

	pthread_mutex_lock(&vm->lock);
	e = vm->exit;
	pthread_mutex_unlock(&vm->lock);
	return e;
}

void vm_join(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].thread_started = false;
	}
}
