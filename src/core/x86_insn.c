#include "core/x86_insn.h"

#include <string.h>

#define X86_MAX_INSN_LEN 15

static int is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return 1;
	default:
		return 0;
	}
}

/* ModRM (+SIB, +displacement) of a memory operand; returns bytes used or -1. */
static int decode_modrm_mem(const uint8_t *p, unsigned n, unsigned rex,
			    struct x86_insn *insn, unsigned *reg)
{
	unsigned mod, rm, used = 1;

	if (n < 1)
		return -1;
	mod = p[0] >> 6;
	*reg = (p[0] >> 3) & 7;
	rm = p[0] & 7;
	if (mod == 3)
		return -1;
	insn->base = (int)(rm | ((rex & 1) << 3));
	insn->index = -1;
	insn->scale = 1;
	if (rm == 4) {
		unsigned idx, base;

		if (n < 2)
			return -1;
		insn->scale = 1u << (p[1] >> 6);
		idx = ((p[1] >> 3) & 7) | ((rex & 2) << 2);
		base = (p[1] & 7) | ((rex & 1) << 3);
		insn->index = idx == 4 ? -1 : (int)idx;	/* rsp as index means none */
		insn->base = (int)base;
		used = 2;
		if ((p[1] & 7) == 5 && mod == 0) {
			insn->base = -1;
			mod = 2;	/* disp32, no base */
		}
	} else if (rm == 5 && mod == 0) {
		insn->base = -1;
		insn->rip_relative = 1;
		mod = 2;
	}
	if (mod == 1) {
		if (n < used + 1)
			return -1;
		insn->disp = (int8_t)p[used];
		used += 1;
	} else if (mod == 2) {
		int32_t d;

		if (n < used + 4)
			return -1;
		memcpy(&d, p + used, 4);
		insn->disp = d;
		used += 4;
	}
	return (int)used;
}

int x86_decode(const uint8_t *bytes, unsigned n, struct x86_insn *insn)
{
	static const enum x86_op group15[8] = {
		X86_OP_FXSAVE, X86_OP_FXRSTOR, X86_OP_LDMXCSR, X86_OP_STMXCSR,
	};
	unsigned i = 0, rex = 0, reg;
	int used;

	memset(insn, 0, sizeof(*insn));
	insn->base = insn->index = -1;
	if (n > X86_MAX_INSN_LEN)
		n = X86_MAX_INSN_LEN;
	while (i < n && is_legacy_prefix(bytes[i])) {
		if (bytes[i] == 0x64)
			insn->seg = X86_SEG_FS;
		else if (bytes[i] == 0x65)
			insn->seg = X86_SEG_GS;
		else if (bytes[i] == 0x67)
			insn->addr32 = 1;
		else if (bytes[i] == 0xf0 || bytes[i] == 0xf2 || bytes[i] == 0xf3 ||
			 bytes[i] == 0x66)
			return -1;	/* changes the meaning of 0F AE; not emulated */
		i++;
	}
	if (i < n && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if (i >= n)
		return -1;
	if (bytes[i] == 0xcc && i == 0) {
		insn->op = X86_OP_INT3;
		insn->len = 1;
		return 0;
	}
	if (bytes[i] == 0x9b && i == 0) {
		insn->op = X86_OP_FWAIT;
		insn->len = 1;
		return 0;
	}
	if (i + 1 >= n || bytes[i] != 0x0f || bytes[i + 1] != 0xae)
		return -1;
	i += 2;
	used = decode_modrm_mem(bytes + i, n - i, rex, insn, &reg);
	if (used < 0 || group15[reg] == X86_OP_UNKNOWN)
		return -1;
	insn->op = group15[reg];
	insn->rex_w = (rex >> 3) & 1;
	insn->len = i + (unsigned)used;
	return 0;
}

uint64_t x86_effective_address(const struct x86_insn *insn, const uint64_t gpr[16],
			       uint64_t rip, uint64_t seg_base)
{
	uint64_t ea = (uint64_t)insn->disp;

	if (insn->rip_relative)
		ea += rip + insn->len;
	if (insn->base >= 0)
		ea += gpr[insn->base];
	if (insn->index >= 0)
		ea += gpr[insn->index] * insn->scale;
	if (insn->addr32)
		ea &= 0xffffffffu;
	return ea + seg_base;
}
