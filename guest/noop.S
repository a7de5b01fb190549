/*
 * The no-op guest: a PVH ELF that powers off at its first instructions, so
 * that timing it measures a VMM's own start-up and tear-down (bench/hello-vm).
 *
 * It asks for S5 through the hardware-reduced ACPI sleep control register
 * (ACPI 6.4, 4.8.3.7: SLP_TYPx in bits 2-4, SLP_EN bit 5) at the address each
 * VMM's FADT gives, without reading the FADT: vessel's is I/O port 0x600,
 * QEMU microvm's (acpi=on) is its GED's register block at 0xfea00200. A VMM
 * ignores the write that is not its own: one exit more for QEMU, microseconds.
 * If neither powers off, the guest halts with interrupts off: a hang the
 * benchmark catches, never a silent success.
 */
#include "pvh_note.h"

#define SLEEP_S5		((5 << 2) | 0x20)
#define VESSEL_SLEEP_CONTROL	0x600
#define MICROVM_SLEEP_CONTROL	0xfea00200

	pvh_note pvh_start

	/* Entered in 32-bit flat protected mode, paging off (PVH boot ABI). */
	.section .text.boot, "ax"
	.code32
	.global pvh_start
pvh_start:
	mov $SLEEP_S5, %al
	mov $VESSEL_SLEEP_CONTROL, %dx
	outb %al, %dx
	movb %al, MICROVM_SLEEP_CONTROL
1:	cli
	hlt
	jmp 1b
