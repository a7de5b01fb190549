/*
 * machine_state_save and machine_state_load: the record's layout, version
 * MACHINE_STATE_VERSION, is
 *   u32 version, u32 vCPUs, one vcpu_state record each (core/vcpu_state.c),
 *   u8 in-kernel irqchip, then KVM's PIC master, PIC slave, IOAPIC,
 *   u8 in-kernel PIT, then struct kvm_pit_state2,
 *   struct kvm_clock_data,
 *   registry_save's device records (the split irqchip's IOAPIC among them).
 * Structures are KVM's, each with its length first so that a host whose
 * KVM lays one out differently is refused by name.
 */
#include "machine/machine_internal.h"
#include "machine/snapshot.h"
#include "core/vcpu_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

static const unsigned irqchips[] = {
	KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC,
};

struct guest_mem *machine_guest_mem(struct machine *m)
{
	return &m->vm.mem;
}

static int get_blob(struct state_reader *r, void *p, size_t n, const char *what,
		    struct error *err)
{
	if (state_get_blob(r, p, n, what))
		return error_set(err, EINVAL, "machine state: %s", r->reason[0] ? r->reason : what);
	return 0;
}

static int vm_ioctl(struct machine *m, unsigned long req, void *p, const char *name,
		    struct error *err)
{
	if (ioctl(m->vm.kvm.vm_fd, req, p) < 0)
		return error_set(err, errno, "%s: %s", name, strerror(errno));
	return 0;
}

static int save_vcpus(struct machine *m, struct state_writer *w, struct error *err)
{
	struct vcpu_msr_list msrs;
	unsigned i;
	int r = 0;

	if (vcpu_msr_list_init(&msrs, &m->vm, err))
		return -1;
	state_put_u32(w, m->vm.nr_vcpus);
	for (i = 0; i < m->vm.nr_vcpus && !r; i++)
		r = vcpu_state_save(&m->vm.vcpus[i], &msrs, w, err);
	vcpu_msr_list_free(&msrs);
	return r;
}

int machine_chips_save(struct machine *m, struct state_writer *w, struct error *err)
{
	bool kernel_irqchip = !m->intc.ioapic;
	unsigned i;

	state_put_u8(w, kernel_irqchip);
	for (i = 0; kernel_irqchip && i < sizeof(irqchips) / sizeof(irqchips[0]); i++) {
		struct kvm_irqchip c = { .chip_id = irqchips[i] };

		if (vm_ioctl(m, KVM_GET_IRQCHIP, &c, "KVM_GET_IRQCHIP", err))
			return -1;
		state_put_blob(w, &c, sizeof(c));
	}
	state_put_u8(w, m->cfg->pit);
	if (m->cfg->pit) {
		struct kvm_pit_state2 pit;

		if (vm_ioctl(m, KVM_GET_PIT2, &pit, "KVM_GET_PIT2", err))
			return -1;
		state_put_blob(w, &pit, sizeof(pit));
	}
	return 0;
}

static int save_kvm_devices(struct machine *m, struct state_writer *w, struct error *err)
{
	struct kvm_clock_data clock = { 0 };

	if (machine_chips_save(m, w, err) ||
	    vm_ioctl(m, KVM_GET_CLOCK, &clock, "KVM_GET_CLOCK", err))
		return -1;
	state_put_blob(w, &clock, sizeof(clock));
	return 0;
}

int machine_state_save(struct machine *m, struct state_writer *w, struct error *err)
{
	if (machine_state(m) != MACHINE_PAUSED)
		return error_set(err, EBUSY, "the VM is not paused");
	state_put_u32(w, MACHINE_STATE_VERSION);
	if (save_vcpus(m, w, err) || save_kvm_devices(m, w, err) ||
	    registry_save(&m->devices, w, err))
		return -1;
	return w->failed ? error_set(err, ENOMEM, "machine state: out of memory") : 0;
}

static int load_vcpus(struct machine *m, struct state_reader *r, struct error *err)
{
	uint32_t n = state_get_u32(r), i;

	if (r->failed || n != m->vm.nr_vcpus)
		return error_set(err, EINVAL, "machine state: %u vCPUs for a machine of %u", n,
				 m->vm.nr_vcpus);
	for (i = 0; i < n; i++)
		if (vcpu_state_load(&m->vm.vcpus[i], r, err))
			return error_prefix(err, "vCPU %u: ", i);
	return 0;
}

int machine_chips_load(struct machine *m, struct state_reader *r, struct error *err)
{
	bool kernel_irqchip = state_get_u8(r);
	unsigned i;

	if (r->failed || kernel_irqchip != !m->intc.ioapic)
		return error_set(err, EINVAL, "machine state: saved with %s irqchip, this machine "
				 "has the other", kernel_irqchip ? "KVM's" : "the split");
	for (i = 0; kernel_irqchip && i < sizeof(irqchips) / sizeof(irqchips[0]); i++) {
		struct kvm_irqchip c;

		if (get_blob(r, &c, sizeof(c), "an irqchip", err))
			return -1;
		if (c.chip_id != irqchips[i])
			return error_set(err, EINVAL, "machine state: irqchip %u where %u belongs",
					 c.chip_id, irqchips[i]);
		if (vm_ioctl(m, KVM_SET_IRQCHIP, &c, "KVM_SET_IRQCHIP", err))
			return -1;
	}
	if (state_get_u8(r) != m->cfg->pit)
		return error_set(err, EINVAL, "machine state: the PIT does not match --pit");
	if (m->cfg->pit) {
		struct kvm_pit_state2 pit;

		if (get_blob(r, &pit, sizeof(pit), "the PIT", err) ||
		    vm_ioctl(m, KVM_SET_PIT2, &pit, "KVM_SET_PIT2", err))
			return -1;
	}
	return 0;
}

static int load_kvm_devices(struct machine *m, struct state_reader *r, struct error *err)
{
	struct kvm_clock_data clock;

	if (machine_chips_load(m, r, err) ||
	    get_blob(r, &clock, sizeof(clock), "the KVM clock", err))
		return -1;
	/* The guest's clock goes on from where it stopped: no jump over the time saved. */
	clock.flags = 0;
	return vm_ioctl(m, KVM_SET_CLOCK, &clock, "KVM_SET_CLOCK", err);
}

int machine_state_load(struct machine *m, struct state_reader *r, struct error *err)
{
	uint32_t version;

	if (m->state != MACHINE_CREATED || !m->cfg->restore)
		return error_set(err, EBUSY, "the VM was not created to be restored into");
	version = state_get_u32(r);
	if (r->failed || version != MACHINE_STATE_VERSION)
		return error_set(err, EINVAL, "machine state: version %u, this vessel reads %u",
				 version, MACHINE_STATE_VERSION);
	/* The devices' interrupt routes reach KVM at once, when the vCPUs start (irq_routes_hold). */
	if (load_vcpus(m, r, err) || load_kvm_devices(m, r, err) ||
	    registry_restore(&m->devices, r, err))
		return -1;
	return 0;
}
