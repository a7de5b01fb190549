#include "core/quirks.h"
#include "core/log.h"
#include "core/vm.h"
#include "core/x86_insn.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PAGE_SIZE 4096ull
#define FXSAVE_AREA 512
#define MXCSR_MASK 0xffffu
#define X86_BP_VECTOR 3
#define X86_GP_VECTOR 13

bool quirks_detect(const char **name)
{
	/* The PVM host module: its emulator lacks several SSE/XSAVE instructions. */
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		if (name)
			*name = "PVM (software nested KVM)";
		return true;
	}
	return false;
}

const char *quirks_linux_params(void)
{
	/* CPUID bits: SMAP 308, POPCNT 151, FSGSBASE 288, RDPID 534, INVPCID 298, PCID 145. */
	return "noxsave clearcpuid=308,151,288,534,298,145";
}

/* Copy between the guest's linear address space and @buf, page by page. */
static int copy_linear(struct vcpu *v, uint64_t la, void *buf, unsigned len, bool to_guest)
{
	uint8_t *p = buf;

	while (len) {
		struct kvm_translation tr = { .linear_address = la };
		unsigned chunk = (unsigned)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		int r;

		if (chunk > len)
			chunk = len;
		if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
			return -1;
		if (to_guest && !tr.writeable)
			return -1;
		r = to_guest ? gm_write(&v->vm->mem, tr.physical_address, p, chunk)
			     : gm_read(&v->vm->mem, tr.physical_address, p, chunk);
		if (r)
			return -1;
		la += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static unsigned fetch_insn(struct vcpu *v, uint64_t rip, uint8_t *bytes)
{
	struct kvm_run *run = v->run;
	unsigned n;

	if (run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		n = run->emulation_failure.insn_size;
		if (n > 15)
			n = 15;
		memcpy(bytes, run->emulation_failure.insn_bytes, n);
		return n;
	}
	for (n = 15; n > 0; n--)
		if (copy_linear(v, rip, bytes, n, false) == 0)
			return n;
	return 0;
}

static int inject_exception(struct vcpu *v, unsigned vector, bool has_error)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -1;
	ev.exception.injected = 1;
	ev.exception.nr = (uint8_t)vector;
	ev.exception.has_error_code = has_error;
	ev.exception.error_code = 0;
	ev.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
}

static void regs_to_gpr(const struct kvm_regs *r, uint64_t gpr[16])
{
	const uint64_t g[16] = {
		r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
	};

	memcpy(gpr, g, sizeof(g));
}

/* FXSAVE image layout: Intel SDM vol. 1, 10.5.1 (table 10-2). */
static void fpu_to_fxsave(const struct kvm_fpu *f, uint8_t img[FXSAVE_AREA])
{
	uint32_t mask = MXCSR_MASK;

	memset(img, 0, FXSAVE_AREA);
	memcpy(img + 0, &f->fcw, 2);
	memcpy(img + 2, &f->fsw, 2);
	img[4] = f->ftwx;
	memcpy(img + 6, &f->last_opcode, 2);
	memcpy(img + 8, &f->last_ip, 8);
	memcpy(img + 16, &f->last_dp, 8);
	memcpy(img + 24, &f->mxcsr, 4);
	memcpy(img + 28, &mask, 4);
	memcpy(img + 32, f->fpr, sizeof(f->fpr));
	memcpy(img + 160, f->xmm, sizeof(f->xmm));
}

static void fxsave_to_fpu(const uint8_t img[FXSAVE_AREA], struct kvm_fpu *f)
{
	memcpy(&f->fcw, img + 0, 2);
	memcpy(&f->fsw, img + 2, 2);
	f->ftwx = img[4];
	memcpy(&f->last_opcode, img + 6, 2);
	memcpy(&f->last_ip, img + 8, 8);
	memcpy(&f->last_dp, img + 16, 8);
	memcpy(&f->mxcsr, img + 24, 4);
	memcpy(f->fpr, img + 32, sizeof(f->fpr));
	memcpy(f->xmm, img + 160, sizeof(f->xmm));
}

/* Returns 0 done, 1 an exception was injected, -1 failed. */
static int emulate_fpu_op(struct vcpu *v, const struct x86_insn *insn, uint64_t ea)
{
	struct kvm_fpu fpu;
	uint8_t img[FXSAVE_AREA];
	uint32_t mxcsr;

	if (ioctl(v->fd, KVM_GET_FPU, &fpu) < 0)
		return -1;
	switch (insn->op) {
	case X86_OP_LDMXCSR:
		if (copy_linear(v, ea, &mxcsr, 4, false))
			return -1;
		if (mxcsr & ~MXCSR_MASK)
			return inject_exception(v, X86_GP_VECTOR, true) ? -1 : 1;
		fpu.mxcsr = mxcsr;
		break;
	case X86_OP_STMXCSR:
		return copy_linear(v, ea, &fpu.mxcsr, 4, true);
	case X86_OP_FXSAVE:
		if (ea & 15)
			return inject_exception(v, X86_GP_VECTOR, true) ? -1 : 1;
		fpu_to_fxsave(&fpu, img);
		return copy_linear(v, ea, img, FXSAVE_AREA, true);
	case X86_OP_FXRSTOR:
		if (ea & 15)
			return inject_exception(v, X86_GP_VECTOR, true) ? -1 : 1;
		if (copy_linear(v, ea, img, FXSAVE_AREA, false))
			return -1;
		fxsave_to_fpu(img, &fpu);
		break;
	default:
		return -1;
	}
	return ioctl(v->fd, KVM_SET_FPU, &fpu) < 0 ? -1 : 0;
}

static int emulate(struct vcpu *v, struct kvm_regs *regs, const struct x86_insn *insn)
{
	struct kvm_sregs sregs;
	uint64_t gpr[16], seg_base = 0, ea;
	int r;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0 || !sregs.cs.l)
		return -1;	/* 64-bit mode only */
	switch (insn->op) {
	case X86_OP_FWAIT:
		regs->rip += insn->len;
		return ioctl(v->fd, KVM_SET_REGS, regs) < 0 ? -1 : 0;
	case X86_OP_INT3:
		/* #BP is a trap: the saved rip points past the int3. */
		regs->rip += insn->len;
		if (ioctl(v->fd, KVM_SET_REGS, regs) < 0)
			return -1;
		return inject_exception(v, X86_BP_VECTOR, false) ? -1 : 0;
	default:
		break;
	}
	if (insn->seg == X86_SEG_FS)
		seg_base = sregs.fs.base;
	else if (insn->seg == X86_SEG_GS)
		seg_base = sregs.gs.base;
	regs_to_gpr(regs, gpr);
	ea = x86_effective_address(insn, gpr, regs->rip, seg_base);
	r = emulate_fpu_op(v, insn, ea);
	if (r < 0)
		return -1;
	if (r == 0) {
		regs->rip += insn->len;
		if (ioctl(v->fd, KVM_SET_REGS, regs) < 0)
			return -1;
	}
	return 0;
}

static void report_failure(struct vcpu *v, uint64_t rip, const uint8_t *bytes, unsigned n)
{
	char hex[15 * 3 + 1] = "";
	struct kvm_translation tr = { .linear_address = rip };
	unsigned i;

	for (i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%s%02x", i ? " " : "", bytes[i]);
	if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		tr.physical_address = ~0ull;
	pr_err("vCPU %u: this host's KVM cannot emulate the guest instruction at rip 0x%llx "
	       "(guest-physical 0x%llx), bytes: %s%s",
	       v->index, (unsigned long long)rip, (unsigned long long)tr.physical_address,
	       n ? hex : "(unreadable)",
	       v->vm->emulation_quirks ? "" : " (host quirks are off)");
}

int quirks_handle_emulation_failure(struct vcpu *v)
{
	struct kvm_regs regs;
	struct x86_insn insn;
	uint8_t bytes[15];
	unsigned n;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		pr_err("vCPU %u: emulation failure, and KVM_GET_REGS failed: %s",
		       v->index, strerror(errno));
		return -1;
	}
	n = fetch_insn(v, regs.rip, bytes);
	if (v->vm->emulation_quirks && n && x86_decode(bytes, n, &insn) == 0 &&
	    emulate(v, &regs, &insn) == 0) {
		pr_debug("vCPU %u: emulated instruction %02x at 0x%llx", v->index, bytes[0],
			 (unsigned long long)regs.rip);
		return 0;
	}
	report_failure(v, regs.rip, bytes, n);
	return -1;
}
