/*
 * A reset from the host (the control API's), as the guest's own reset
 * request would do on a PC: every vCPU, and KVM's PIC, IOAPIC and PIT, back
 * to their power-on state, every device reset, the firmware's work again
 * (ACPI tables, the kernel loaded, the boot vCPU at its entry). RAM is not
 * cleared, as on hardware.
 */
#include "machine/machine_internal.h"
#include "core/vcpu_state.h"

#include <errno.h>

/*
 * The whole record a snapshot keeps of each vCPU (registers, FPU/XSAVE, MSRs,
 * local APIC, events, MP state, debug registers), then KVM's interrupt
 * controllers and PIT: a reset loads it back, so nothing the last boot set in
 * KVM survives it (an MSR such as kvmclock's would go on naming guest pages
 * KVM writes into). The KVM clock runs on, as the host's time base.
 */
int machine_save_reset_state(struct machine *m, struct error *err)
{
	struct vcpu_msr_list msrs;
	unsigned i;
	int r = 0;

	if (vcpu_msr_list_init(&msrs, &m->vm, err))
		return -1;
	state_writer_init(&m->power_on);
	for (i = 0; i < m->vm.nr_vcpus && !r; i++)
		r = vcpu_state_save(&m->vm.vcpus[i], &msrs, &m->power_on, err);
	vcpu_msr_list_free(&msrs);
	if (r || machine_chips_save(m, &m->power_on, err))
		return error_prefix(err, "the power-on state: ");
	return m->power_on.failed ? error_set(err, ENOMEM, "out of memory") : 0;
}

static int load_power_on(struct machine *m, struct error *err)
{
	struct state_reader r;
	unsigned i;

	state_reader_init(&r, m->power_on.buf, m->power_on.len);
	for (i = 0; i < m->vm.nr_vcpus; i++)
		if (vcpu_state_load(&m->vm.vcpus[i], &r, err))
			return error_prefix(err, "vCPU %u: cannot reset it: ", i);
	if (machine_chips_load(m, &r, err))
		return error_prefix(err, "cannot reset KVM's devices: ");
	return 0;
}

static int reset_locked(struct machine *m, struct error *err)
{
	bool was_running = m->state == MACHINE_RUNNING;

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
	if (load_power_on(m, err) || machine_boot(m, false, err))
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
