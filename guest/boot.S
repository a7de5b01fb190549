/*
 * Entry of the built-in guest. The VMM (or QEMU) enters pvh_start in 32-bit
 * flat protected mode with paging off and %ebx pointing to hvm_start_info.
 * The first 4 GiB are identity-mapped with 2 MiB pages (tables in .data); we enter long mode and call
 * guest_main(). Application processors come up through ap_tramp, a real-mode
 * block copied below 1 MiB, and reach ap_main().
 */
#include "pvh_note.h"

/* User-accessible too: benchmarks run their hot loops in CPL3 (see user.c). */
#define PTE_P_RW	0x07
#define PTE_LARGE	0x87
#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define SEL_CODE32	0x08
#define SEL_CODE64	0x10
#define SEL_DATA	0x18
#define STACK_SIZE	16384
#define MAX_CPUS	64

	pvh_note pvh_start

	.section .text.boot, "ax"
	.code32
	.global pvh_start
pvh_start:
	cli
	mov %ebx, start_info_addr
	lgdt gdt_ptr
	ljmp $SEL_CODE32, $1f
1:	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss

	jmp enter_long_mode

	/* Shared by the BSP and the APs: paging on, long mode, 64-bit code. */
enter_long_mode:
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0
	ljmp $SEL_CODE64, $long_mode

	.code64
long_mode:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	/* CPU number 0 is the BSP; APs take the next free number. */
	cmpb $0, bsp_done
	jne 4f
	movb $1, bsp_done
	lea stacks + STACK_SIZE(%rip), %rsp
	mov start_info_addr(%rip), %edi
	call guest_main
	jmp halt_forever
4:	mov $1, %eax
	lock xadd %eax, next_cpu(%rip)
	cmp $MAX_CPUS, %eax
	jae halt_forever
	mov %eax, %edi
	inc %eax
	imul $STACK_SIZE, %rax
	lea stacks(%rip), %rsp
	add %rax, %rsp
	call ap_main
halt_forever:
	cli
5:	hlt
	jmp 5b

	/* Protected-mode entry of an AP, reached from the trampoline. */
	.code32
ap_entry32:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	jmp enter_long_mode

	/* Real-mode trampoline: copied to a page below 1 MiB, run with %cs = page >> 4. */
	.code16
	.global ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	lgdtl %cs:(ap_tramp_gdt_ptr - ap_tramp_start)
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $SEL_CODE32, $ap_entry32
	.balign 8
ap_tramp_gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
ap_tramp_end:

	/* Writable: user.c fills in the TSS descriptor, and ltr marks it busy. */
	.data
	.balign 16
	.global gdt_tss
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x18: flat data */
	.quad 0x00cff3000000ffff	/* 0x20: user data (DPL 3) */
	.quad 0x00affb000000ffff	/* 0x28: user 64-bit code (DPL 3) */
gdt_tss:
	.quad 0, 0			/* 0x30: the 64-bit TSS */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.data
	.global next_cpu
start_info_addr:
	.long 0
next_cpu:
	.long 1
bsp_done:
	.byte 0

	/*
	 * The page tables are built here, not at run time: on hosts that emulate
	 * kernel-mode code, a 2048-step loop costs milliseconds of every boot.
	 * PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
	 */
	.data
	.balign 4096
	.global pml4
pml4:	.quad pdpt + PTE_P_RW
	.fill 511, 8, 0
pdpt:	.quad pd + PTE_P_RW, pd + 4096 + PTE_P_RW, pd + 8192 + PTE_P_RW, pd + 12288 + PTE_P_RW
	.fill 508, 8, 0
pd:
	.set page, 0
	.rept 2048
	.quad (page << 21) | PTE_LARGE
	.set page, page + 1
	.endr

	.bss
	.balign 16
stacks:	.skip STACK_SIZE * (MAX_CPUS + 1)

	.section .note.GNU-stack, "", @progbits
