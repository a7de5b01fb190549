/* The boot vCPU's first register state for each boot protocol. */
#include "boot/boot.h"

#include <linux/kvm.h>
#include <string.h>

#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_MP	(1ull << 1)
#define X86_CR0_ET	(1ull << 4)
#define X86_CR0_NE	(1ull << 5)
#define X86_CR0_WP	(1ull << 16)
#define X86_CR0_PG	(1ull << 31)
#define X86_CR4_PAE	(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)

/* GDT selectors: 0x08 flat 32-bit code, 0x10 64-bit code, 0x18 flat data (boot.rst's __BOOT_CS/__BOOT_DS). */
#define SEL_CODE32	0x08
#define SEL_CODE64	0x10
#define SEL_DATA	0x18

static const uint64_t boot_gdt[] = {
	0,
	0x00cf9b000000ffffull,	/* code32: base 0, limit 4 GiB, exec/read, accessed */
	0x00af9b000000ffffull,	/* code64: L bit set */
	0x00cf93000000ffffull,	/* data: read/write, accessed */
};

static struct kvm_segment seg_from_gdt(uint16_t sel)
{
	uint64_t d = boot_gdt[sel >> 3];
	struct kvm_segment s = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = (uint8_t)((d >> 40) & 0xf),
		.present = 1,
		.dpl = 0,
		.db = (uint8_t)((d >> 54) & 1),
		.s = 1,
		.l = (uint8_t)((d >> 53) & 1),
		.g = 1,
	};

	return s;
}

static int write_page_tables(struct guest_mem *gm)
{
	uint64_t pml4 = BOOT_PDPT_ADDR | PTE_P | PTE_RW;
	uint64_t pdpt[4], pd[4 * 512];
	unsigned i;

	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	if (gm_write(gm, BOOT_PML4_ADDR, &pml4, sizeof(pml4)) ||
	    gm_write(gm, BOOT_PDPT_ADDR, pdpt, sizeof(pdpt)) ||
	    gm_write(gm, BOOT_PD_ADDR, pd, sizeof(pd)))
		return -1;
	return 0;
}

static void set_segments(struct kvm_sregs *sregs, uint16_t code)
{
	struct kvm_segment data = seg_from_gdt(SEL_DATA);

	sregs->cs = seg_from_gdt(code);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	sregs->gdt.base = BOOT_GDT_ADDR;
	sregs->gdt.limit = sizeof(boot_gdt) - 1;
}

int boot_entry_regs(struct guest_mem *gm, const struct boot_setup *s, struct vcpu_regs *r)
{
	struct kvm_sregs *sregs = &r->sregs;
	struct kvm_regs *regs = &r->regs;

	if (gm_write(gm, BOOT_GDT_ADDR, boot_gdt, sizeof(boot_gdt)))
		return -1;
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	regs->rip = s->entry;
	if (s->mode == BOOT_PVH) {
		set_segments(sregs, SEL_CODE32);
		sregs->cr0 = X86_CR0_PE | X86_CR0_ET;
		sregs->cr4 = 0;
		sregs->efer = 0;
		regs->rbx = s->arg;
	} else {
		if (write_page_tables(gm))
			return -1;
		set_segments(sregs, SEL_CODE64);
		sregs->cr3 = BOOT_PML4_ADDR;
		sregs->cr4 = X86_CR4_PAE;
		sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
			     X86_CR0_PG;
		sregs->efer = EFER_LME | EFER_LMA;
		regs->rsi = s->arg;
	}
	memset(&r->fpu, 0, sizeof(r->fpu));
	r->fpu.fcw = 0x37f;
	r->fpu.mxcsr = 0x1f80;
	return 0;
}
