/*
 * Decoder for the few guest instructions the host-quirks layer emulates when
 * a host's KVM cannot (64-bit mode only).
 */
#ifndef VESSEL_CORE_X86_INSN_H
#define VESSEL_CORE_X86_INSN_H

#include <stdint.h>

enum x86_op {
	X86_OP_UNKNOWN = 0,
	X86_OP_INT3,		/* CC */
	X86_OP_FWAIT,		/* 9B */
	X86_OP_FXSAVE,		/* 0F AE /0 */
	X86_OP_FXRSTOR,		/* 0F AE /1 */
	X86_OP_LDMXCSR,		/* 0F AE /2 */
	X86_OP_STMXCSR,		/* 0F AE /3 */
};

enum x86_seg { X86_SEG_NONE, X86_SEG_FS, X86_SEG_GS };

struct x86_insn {
	enum x86_op op;
	unsigned len;		/* bytes, prefixes included */
	int rex_w;
	/* Memory operand: EA = base + index * scale + disp (+ next rip). */
	int base;		/* register number 0-15, or -1 */
	int index;		/* register number 0-15, or -1 */
	unsigned scale;
	int64_t disp;
	int rip_relative;
	int addr32;		/* 0x67 prefix: the EA is truncated to 32 bits */
	enum x86_seg seg;
};

/* Decode from @bytes (@n available). Returns 0, or -1 if not one of the ops above. */
int x86_decode(const uint8_t *bytes, unsigned n, struct x86_insn *insn);

/*
 * Effective address of @insn's memory operand, with @gpr in the order of
 * the ModRM encoding (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15).
 */
uint64_t x86_effective_address(const struct x86_insn *insn, const uint64_t gpr[16],
			       uint64_t rip, uint64_t seg_base);

#endif
