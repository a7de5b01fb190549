/*
 * A reset from the host (the control API's), as the guest's own reset
 * request would do on a PC: every vCPU back to its power-on state, every
 * device reset, the firmware's work again (ACPI tables, the kernel loaded,
 * the boot vCPU at its entry). RAM is not cleared, as on hardware.
 */
#include "machine/machine_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

int machine_save_reset_state(struct machine *m, struct error *err)
{
	unsigned i;

	m->vcpu_reset = calloc(m->vm.nr_vcpus, sizeof(*m->vcpu_reset));
	if (!m->vcpu_reset)
		return error_set(err, ENOMEM, "out of memory");
	for (i = 0; i < m->vm.nr_vcpus; i++) {
		struct vcpu_reset_state *s = &m->vcpu_reset[i];
		int fd = m->vm.vcpus[i].fd;

		if (vcpu_regs_get(fd, &s->regs, err))
			return -1;
		if (ioctl(fd, KVM_GET_LAPIC, &s->lapic) || ioctl(fd, KVM_GET_MP_STATE, &s->mp))
			return error_set(err, errno, "vCPU %u: cannot read its power-on state: %s",
					 i, strerror(errno));
	}
	return 0;
}

/* No exception, interrupt or NMI pending: what KVM_SET_VCPU_EVENTS says with zeros. */
static int reset_vcpu(struct machine *m, unsigned i, struct error *err)
{
	const struct vcpu_reset_state *s = &m->vcpu_reset[i];
	struct kvm_vcpu_events events;
	int fd = m->vm.vcpus[i].fd;

	memset(&events, 0, sizeof(events));
	if (vcpu_regs_set(fd, &s->regs, err))
		return -1;
	if (ioctl(fd, KVM_SET_LAPIC, &s->lapic) || ioctl(fd, KVM_SET_MP_STATE, &s->mp) ||
	    ioctl(fd, KVM_SET_VCPU_EVENTS, &events))
		return error_set(err, errno, "vCPU %u: cannot reset it: %s", i, strerror(errno));
	return 0;
}

static int reset_locked(struct machine *m, struct error *err)
{
	bool was_running = m->state == MACHINE_RUNNING;
	unsigned i;

	if (m->state != MACHINE_RUNNING && m->state != MACHINE_PAUSED)
		return error_set(err, EBUSY, "the VM is not running");
	if (was_running) {
		if (vm_pause(&m->vm)) {
			vm_resume(&m->vm);
			return error_set(err, ESRCH, "the VM stopped while resetting");
		}
		registry_pause(&m->devices);
	}
	registry_reset(&m->devices);
	for (i = 0; i < m->vm.nr_vcpus; i++)
		if (reset_vcpu(m, i, err))
			goto err_stop;
	if (machine_boot(m, false, err))
		goto err_stop;
	machine_notify(m, MACHINE_EVENT_RESET, 0);
	if (!was_running)
		return 0;
	if (registry_resume(&m->devices, err))
		goto err_stop;
	vm_resume(&m->vm);
	return 0;

err_stop:
	/* Half reset, the guest cannot go on: the VM stops as on any VMM error. */
	vm_request_exit(&m->vm, VM_EXIT_ERROR);
	vm_resume(&m->vm);
	m->state = MACHINE_STOPPED;
	return -1;
}

int machine_reset(struct machine *m, struct error *err)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = reset_locked(m, err);
	pthread_mutex_unlock(&m->lock);
	return r;
}

int machine_power_button(struct machine *m, struct error *err)
{
	int r = 0;

	pthread_mutex_lock(&m->lock);
	if (m->state == MACHINE_RUNNING)
		acpi_pm_power_button(&m->pm);
	else
		r = error_set(err, EBUSY, "the VM is not running");
	pthread_mutex_unlock(&m->lock);
	return r;
}
