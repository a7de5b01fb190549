/*
 * A vCPU's state out of KVM and back. The order of the sets follows what
 * KVM needs: special registers first (the mode, and the APIC base the local
 * APIC's state depends on), the local APIC before the MSRs (the TSC deadline
 * MSR is dropped unless the APIC timer is in TSC-deadline mode), pending
 * events and MP state last (setting registers can clear them).
 */
#include "core/vcpu_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_PHYS_BASE0	0x200	/* base and mask pairs up to 0x20f */
#define MSR_MTRR_FIX64K_00000	0x250
#define MSR_MTRR_FIX16K_80000	0x258
#define MSR_MTRR_FIX16K_A0000	0x259
#define MSR_MTRR_FIX4K_C0000	0x268	/* up to 0x26f */
#define MSR_IA32_CR_PAT		0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_LIST_MAX		1024

enum sregs_kind { SREGS_V1 = 1, SREGS_V2 = 2 };

/* KVM emulates these without listing them in KVM_GET_MSR_INDEX_LIST. */
static unsigned extra_msrs(uint32_t *out)
{
	unsigned n = 0, i;

	out[n++] = MSR_IA32_MISC_ENABLE;
	for (i = 0; i < 16; i++)
		out[n++] = MSR_MTRR_PHYS_BASE0 + i;
	out[n++] = MSR_MTRR_FIX64K_00000;
	out[n++] = MSR_MTRR_FIX16K_80000;
	out[n++] = MSR_MTRR_FIX16K_A0000;
	for (i = 0; i < 8; i++)
		out[n++] = MSR_MTRR_FIX4K_C0000 + i;
	out[n++] = MSR_IA32_CR_PAT;
	out[n++] = MSR_MTRR_DEF_TYPE;
	out[n++] = MSR_IA32_TSC_DEADLINE;
	return n;
}

static bool listed(const uint32_t *idx, unsigned n, uint32_t msr)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (idx[i] == msr)
			return true;
	return false;
}

static struct kvm_msrs *alloc_msrs(unsigned n)
{
	return calloc(1, sizeof(struct kvm_msrs) + n * sizeof(struct kvm_msr_entry));
}

/* KVM_GET_MSRS stops at the first MSR it cannot read: drop that one, go on. */
static int keep_readable(struct vcpu_msr_list *l, int vcpu_fd, struct error *err)
{
	struct kvm_msrs *m = alloc_msrs(l->nr);
	unsigned done = 0, i;

	if (!m)
		return error_set(err, ENOMEM, "out of memory");
	while (done < l->nr) {
		int got;

		m->nmsrs = l->nr - done;
		for (i = 0; i < m->nmsrs; i++)
			m->entries[i] = (struct kvm_msr_entry){ .index = l->index[done + i] };
		got = ioctl(vcpu_fd, KVM_GET_MSRS, m);
		if (got < 0) {
			free(m);
			return error_set(err, errno, "KVM_GET_MSRS: %s", strerror(errno));
		}
		done += (unsigned)got;
		if (done < l->nr) {
			memmove(&l->index[done], &l->index[done + 1],
				(l->nr - done - 1) * sizeof(l->index[0]));
			l->nr--;
		}
	}
	free(m);
	return 0;
}

int vcpu_msr_list_init(struct vcpu_msr_list *l, struct vm *vm, struct error *err)
{
	struct kvm_msr_list *kl = calloc(1, sizeof(*kl) + MSR_LIST_MAX * sizeof(uint32_t));
	uint32_t extra[64];
	unsigned n, i;

	memset(l, 0, sizeof(*l));
	if (!kl)
		return error_set(err, ENOMEM, "out of memory");
	kl->nmsrs = MSR_LIST_MAX;
	if (ioctl(vm->kvm.sys_fd, KVM_GET_MSR_INDEX_LIST, kl) < 0) {
		free(kl);
		return error_set(err, errno, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	}
	n = extra_msrs(extra);
	l->index = calloc(kl->nmsrs + n, sizeof(uint32_t));
	if (!l->index) {
		free(kl);
		return error_set(err, ENOMEM, "out of memory");
	}
	/* The APIC base travels in the special registers, set before the local APIC. */
	for (i = 0; i < kl->nmsrs; i++)
		if (kl->indices[i] != MSR_IA32_APICBASE)
			l->index[l->nr++] = kl->indices[i];
	for (i = 0; i < n; i++)
		if (!listed(l->index, l->nr, extra[i]))
			l->index[l->nr++] = extra[i];
	free(kl);
	if (keep_readable(l, vm->vcpus[0].fd, err)) {
		vcpu_msr_list_free(l);
		return -1;
	}
	return 0;
}

void vcpu_msr_list_free(struct vcpu_msr_list *l)
{
	free(l->index);
	l->index = NULL;
	l->nr = 0;
}

static int get_blob(struct state_reader *r, void *p, size_t n, const char *what,
		    struct error *err)
{
	if (state_get_blob(r, p, n, what))
		return error_set(err, EINVAL, "vCPU state: %s", r->reason[0] ? r->reason : what);
	return 0;
}

static int get_ioctl(int fd, unsigned long req, void *p, const char *name, struct error *err)
{
	if (ioctl(fd, req, p) < 0)
		return error_set(err, errno, "%s: %s", name, strerror(errno));
	return 0;
}

/* KVM_GET_XSAVE2's size, or the classic 4 KiB area. */
static size_t xsave_size(struct vm *vm)
{
	int n = kvm_check_extension(&vm->kvm, KVM_CAP_XSAVE2);

	return n > (int)sizeof(struct kvm_xsave) ? (size_t)n : sizeof(struct kvm_xsave);
}

static int save_sregs(struct vcpu *v, struct state_writer *w, struct error *err)
{
	struct kvm_sregs2 s2;
	struct kvm_sregs s;

	if (kvm_check_extension(&v->vm->kvm, KVM_CAP_SREGS2) > 0) {
		if (get_ioctl(v->fd, KVM_GET_SREGS2, &s2, "KVM_GET_SREGS2", err))
			return -1;
		state_put_u8(w, SREGS_V2);
		state_put_blob(w, &s2, sizeof(s2));
		return 0;
	}
	if (get_ioctl(v->fd, KVM_GET_SREGS, &s, "KVM_GET_SREGS", err))
		return -1;
	state_put_u8(w, SREGS_V1);
	state_put_blob(w, &s, sizeof(s));
	return 0;
}

static int save_xsave(struct vcpu *v, struct state_writer *w, struct error *err)
{
	size_t n = xsave_size(v->vm);
	bool v2 = n > sizeof(struct kvm_xsave);
	struct kvm_xsave *x = calloc(1, n);
	int r;

	if (!x)
		return error_set(err, ENOMEM, "out of memory");
	r = v2 ? get_ioctl(v->fd, KVM_GET_XSAVE2, x, "KVM_GET_XSAVE2", err) :
		 get_ioctl(v->fd, KVM_GET_XSAVE, x, "KVM_GET_XSAVE", err);
	if (!r)
		state_put_blob(w, x, n);
	free(x);
	return r;
}

static int save_msrs(struct vcpu *v, const struct vcpu_msr_list *l, struct state_writer *w,
		     struct error *err)
{
	struct kvm_msrs *m = alloc_msrs(l->nr);
	unsigned i;
	int got;

	if (!m)
		return error_set(err, ENOMEM, "out of memory");
	m->nmsrs = l->nr;
	for (i = 0; i < l->nr; i++)
		m->entries[i].index = l->index[i];
	got = ioctl(v->fd, KVM_GET_MSRS, m);
	if (got != (int)l->nr) {
		free(m);
		return error_set(err, EIO, "vCPU %u: KVM_GET_MSRS read %d of %u MSRs", v->index,
				 got, l->nr);
	}
	state_put_u32(w, l->nr);
	for (i = 0; i < l->nr; i++) {
		state_put_u32(w, m->entries[i].index);
		state_put_u64(w, m->entries[i].data);
	}
	free(m);
	return 0;
}

int vcpu_state_save(struct vcpu *v, const struct vcpu_msr_list *msrs, struct state_writer *w,
		    struct error *err)
{
	struct kvm_regs regs;
	struct kvm_xcrs xcrs = { 0 };
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs dbg;
	int khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

	/* The TSC's rate first: the TSC MSR's value is read at that rate. */
	state_put_u32(w, khz > 0 ? (uint32_t)khz : 0);
	if (get_ioctl(v->fd, KVM_GET_REGS, &regs, "KVM_GET_REGS", err) ||
	    save_sregs(v, w, err))
		return -1;
	state_put_blob(w, &regs, sizeof(regs));
	if (save_xsave(v, w, err))
		return -1;
	if (kvm_check_extension(&v->vm->kvm, KVM_CAP_XCRS) > 0 &&
	    get_ioctl(v->fd, KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS", err))
		return -1;
	state_put_blob(w, &xcrs, sizeof(xcrs));
	if (get_ioctl(v->fd, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC", err))
		return -1;
	state_put_blob(w, &lapic, sizeof(lapic));
	if (save_msrs(v, msrs, w, err))
		return -1;
	if (get_ioctl(v->fd, KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS", err) ||
	    get_ioctl(v->fd, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE", err) ||
	    get_ioctl(v->fd, KVM_GET_DEBUGREGS, &dbg, "KVM_GET_DEBUGREGS", err))
		return -1;
	state_put_blob(w, &events, sizeof(events));
	state_put_blob(w, &mp, sizeof(mp));
	state_put_blob(w, &dbg, sizeof(dbg));
	return 0;
}

static int set_ioctl(int fd, unsigned long req, const void *p, const char *name,
		     struct error *err)
{
	if (ioctl(fd, req, p) < 0)
		return error_set(err, errno, "%s: %s", name, strerror(errno));
	return 0;
}

static int load_sregs(struct vcpu *v, struct state_reader *r, struct error *err)
{
	uint8_t kind = state_get_u8(r);
	struct kvm_sregs2 s2;
	struct kvm_sregs s;

	if (kind == SREGS_V2) {
		if (kvm_check_extension(&v->vm->kvm, KVM_CAP_SREGS2) <= 0)
			return error_set(err, ENOTSUP, "vCPU state: saved with KVM_GET_SREGS2, "
					 "which this host's KVM lacks");
		return get_blob(r, &s2, sizeof(s2), "the special registers", err) ||
		       set_ioctl(v->fd, KVM_SET_SREGS2, &s2, "KVM_SET_SREGS2", err) ? -1 : 0;
	}
	if (kind != SREGS_V1)
		return error_set(err, EINVAL, "vCPU state: unknown special-register format %u", kind);
	return get_blob(r, &s, sizeof(s), "the special registers", err) ||
	       set_ioctl(v->fd, KVM_SET_SREGS, &s, "KVM_SET_SREGS", err) ? -1 : 0;
}

static int load_xsave(struct vcpu *v, struct state_reader *r, struct error *err)
{
	size_t n = xsave_size(v->vm);
	struct kvm_xsave *x = calloc(1, n);
	int ret;

	if (!x)
		return error_set(err, ENOMEM, "out of memory");
	ret = get_blob(r, x, n, "the XSAVE area", err) ||
	      set_ioctl(v->fd, KVM_SET_XSAVE, x, "KVM_SET_XSAVE", err);
	free(x);
	return ret ? -1 : 0;
}

static int load_msrs(struct vcpu *v, struct state_reader *r, struct error *err)
{
	uint32_t n = state_get_u32(r), i;
	struct kvm_msrs *m;
	int set;

	if (r->failed || n > MSR_LIST_MAX)
		return error_set(err, EINVAL, "vCPU state: %u MSRs", n);
	m = alloc_msrs(n);
	if (!m)
		return error_set(err, ENOMEM, "out of memory");
	m->nmsrs = n;
	for (i = 0; i < n; i++) {
		m->entries[i].index = state_get_u32(r);
		m->entries[i].data = state_get_u64(r);
	}
	if (r->failed) {
		free(m);
		return error_set(err, EINVAL, "vCPU state: the MSRs are cut short");
	}
	set = ioctl(v->fd, KVM_SET_MSRS, m);
	i = set >= 0 && (uint32_t)set < n ? m->entries[set].index : 0;
	free(m);
	if (set != (int)n)
		return error_set(err, EINVAL, "vCPU %u: this host's KVM refused MSR 0x%x", v->index,
				 i);
	return 0;
}

static int load_tsc_khz(struct vcpu *v, uint32_t khz, struct error *err)
{
	int cur = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

	if (!khz || cur == (int)khz)
		return 0;
	if (ioctl(v->fd, KVM_SET_TSC_KHZ, (unsigned long)khz) < 0)
		return error_set(err, errno, "vCPU %u: the snapshot's TSC runs at %u kHz, this "
				 "host's at %d kHz, and KVM cannot scale it: %s", v->index, khz,
				 cur, strerror(errno));
	return 0;
}

int vcpu_state_load(struct vcpu *v, struct state_reader *r, struct error *err)
{
	struct kvm_regs regs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs dbg;
	uint32_t khz = state_get_u32(r);

	if (r->failed || load_tsc_khz(v, khz, err) || load_sregs(v, r, err) || get_blob(r, &regs, sizeof(regs), "the registers", err) ||
	    set_ioctl(v->fd, KVM_SET_REGS, &regs, "KVM_SET_REGS", err) || load_xsave(v, r, err) ||
	    get_blob(r, &xcrs, sizeof(xcrs), "the XCRs", err))
		return -1;
	if (xcrs.nr_xcrs && set_ioctl(v->fd, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", err))
		return -1;
	if (get_blob(r, &lapic, sizeof(lapic), "the local APIC", err) ||
	    set_ioctl(v->fd, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC", err) || load_msrs(v, r, err))
		return -1;
	if (get_blob(r, &events, sizeof(events), "the pending events", err) ||
	    get_blob(r, &mp, sizeof(mp), "the MP state", err) ||
	    get_blob(r, &dbg, sizeof(dbg), "the debug registers", err))
		return -1;
	/* What KVM_GET_VCPU_EVENTS filled is valid as a whole (KVM API 4.32). */
	events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			KVM_VCPUEVENT_VALID_SHADOW;
	if (set_ioctl(v->fd, KVM_SET_VCPU_EVENTS, &events, "KVM_SET_VCPU_EVENTS", err) ||
	    set_ioctl(v->fd, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", err) ||
	    set_ioctl(v->fd, KVM_SET_DEBUGREGS, &dbg, "KVM_SET_DEBUGREGS", err))
		return -1;
	return 0;
}
