/*
 * The ELF note that makes a guest PVH-bootable: XEN_ELFNOTE_PHYS32_ENTRY
 * (xen/include/public/elfnote.h), the 32-bit physical address where a PVH
 * loader (vessel's, QEMU's) enters it. For the guests' assembly files.
 */
#ifndef VESSEL_GUEST_PVH_NOTE_H
#define VESSEL_GUEST_PVH_NOTE_H

#define XEN_ELFNOTE_PHYS32_ENTRY	18

.macro pvh_note entry
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 4			/* name size */
	.long 4			/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long \entry
	.popsection
.endm

#endif
