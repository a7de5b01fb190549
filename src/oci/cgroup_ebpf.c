/* Device rules on cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program built from them and attached. */
#include "oci/cgroup_internal.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BPF_LOG_SIZE 4096

enum { BPF_PROLOGUE = 6, BPF_RULE_MAX = 8, BPF_EPILOGUE = 2 };

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

size_t cg_bpf_dev_max(size_t n_rules)
{
	return BPF_PROLOGUE + n_rules * BPF_RULE_MAX + BPF_EPILOGUE;
}

/* A 32-bit compare (the context's fields are u32) jumping to the end of a @size block. */
static void jmp(struct bpf_insn *p, size_t *n, size_t size, uint8_t op, uint8_t reg, int64_t imm)
{
	int16_t off = (int16_t)(size - 1 - *n);

	p[*n] = insn(BPF_JMP32 | op | BPF_K, reg, 0, off, (int32_t)(uint32_t)imm);
	(*n)++;
}

/* The checks of one rule, each jumping past the rest of the block when the request does not match. */
static size_t bpf_dev_rule(const struct dev_rule *r, struct bpf_insn *p)
{
	bool type = r->type != 'a', acc = r->access != ACC_ALL;
	size_t size = type + 3 * acc + (r->major >= 0) + (r->minor >= 0) + 2, n = 0;

	if (type)
		jmp(p, &n, size, BPF_JNE, BPF_REG_2,
		    r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (acc) {
		/* An allow must cover every access asked for; a deny hits if it covers any. */
		p[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		p[n++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0,
			      (int32_t)(r->allow ? ~r->access & ACC_ALL : r->access));
		jmp(p, &n, size, r->allow ? BPF_JNE : BPF_JEQ, BPF_REG_1, 0);
	}
	if (r->major >= 0)
		jmp(p, &n, size, BPF_JNE, BPF_REG_4, r->major);
	if (r->minor >= 0)
		jmp(p, &n, size, BPF_JNE, BPF_REG_5, r->minor);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

/*
 * A BPF_PROG_TYPE_CGROUP_DEVICE program for @rules (cgroup-v2.rst "Device
 * controller"): the last matching rule decides, so the rules are tested from
 * the last; nothing matching is denied. A rule matching everything ends the
 * program, as no rule before it can be reached. @p holds cg_bpf_dev_max(@n).
 */
size_t cg_bpf_dev_program(const struct dev_rule *rules, size_t n, struct bpf_insn *p)
{
	size_t len = 0;

	/* struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor. */
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
	p[len++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	p[len++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[len++] = insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
	p[len++] = insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
	while (n--) {
		const struct dev_rule *r = &rules[n];

		len += bpf_dev_rule(r, p + len);
		if (r->type == 'a' && r->access == ACC_ALL && r->major < 0 && r->minor < 0)
			return len;
	}
	p[len++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[len++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return len;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int bpf_prog_load(const struct bpf_insn *p, size_t n, char *log, size_t log_size)
{
	static const char license[] = "GPL";
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	if (log) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* Loaded quietly; only a refused program is loaded again for the verifier's reason. */
static int bpf_dev_load(const struct bpf_insn *p, size_t n)
{
	char log[BPF_LOG_SIZE] = "";
	int fd = bpf_prog_load(p, n, NULL, 0), e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EACCES || e == EINVAL)
		bpf_prog_load(p, n, log, sizeof(log));
	log[strcspn(log, "\n")] = '\0';
	pr_err("%s.devices: cannot load the eBPF device program: %s%s%s", RES, strerror(e),
	       *log ? ": " : "", log);
	return -1;
}

/* Attach the rules to the cgroup2 directory @dir (kept alive by the attachment). */
int cg_bpf_dev_attach(const char *dir, const struct dev_rule *rules, size_t n)
{
	struct bpf_insn *p = calloc(cg_bpf_dev_max(n), sizeof(*p));
	union bpf_attr a;
	int prog = -1, dfd = -1, ret = -1;

	if (!p) {
		pr_err("%s.devices: out of memory", RES);
		return -1;
	}
	prog = bpf_dev_load(p, cg_bpf_dev_program(rules, n, p));
	if (prog < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pr_err("%s.devices: cannot open %s: %s", RES, dir, strerror(errno));
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	ret = sys_bpf(BPF_PROG_ATTACH, &a);
	if (ret)
		pr_err("%s.devices: cannot attach the eBPF device program to %s: %s", RES, dir,
		       strerror(errno));
out:
	if (dfd >= 0)
		close(dfd);
	if (prog >= 0)
		close(prog);
	free(p);
	return ret ? -1 : 0;
}
