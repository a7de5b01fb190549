#include "oci/seccomp.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECCOMP_PATH "linux.seccomp"
#define SYSCALL_MAX_ARGS 6
/* The data field of SECCOMP_RET_ERRNO and SECCOMP_RET_TRACE is 16 bits wide. */
#define ACTION_DATA_MAX 0xffff
/*
 * Past this many rules the binary-tree layout beats a linear scan; it also
 * keeps libseccomp 2.5.4 away from its bug with an optimized empty filter.
 */
#define BTREE_MIN_RULES 32
#define SCMP_OPTIMIZE_BTREE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct seccomp_filter {
	scmp_filter_ctx ctx;
};

struct action_def {
	const char *name;
	uint32_t action;
	bool has_data;	/* takes errnoRet */
	bool unsupported;
};

static const struct action_def actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, false, false },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false, false },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false, false },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false, false },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true, false },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true, false },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false, false },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, false, false },
	/*
	 * The listener fd must reach listenerPath on the host together with the
	 * container state and its pid as the runtime sees it; the child that
	 * loads the filter has already pivoted into the container and knows
	 * neither, so honouring it needs the parent's help (not done yet).
	 */
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false, true },
};

struct name_value {
	const char *name;
	uint32_t value;
};

static const struct name_value arches[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
	/* Newer than libseccomp 2.5.4: known by name, usable once it knows them. */
#ifdef SCMP_ARCH_LOONGARCH64
	{ "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
	{ "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
	{ "SCMP_ARCH_SH", SCMP_ARCH_SH },
#endif
#ifdef SCMP_ARCH_SHEB
	{ "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

/* Spec names of architectures this libseccomp may not have. */
static const char *const arches_too_new[] = {
	"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

static const struct name_value ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct name_value *find_name(const struct name_value *tab, size_t n,
					  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name))
			return &tab[i];
	return NULL;
}

static const struct action_def *find_action(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

static int required_string(const json_t *obj, const char *key, const char *path,
			   const char **out)
{
	*out = NULL;
	if (oj_string(obj, key, path, out))
		return -1;
	if (!*out)
		return oj_error(path, key, "missing (it is required)");
	return 0;
}

/*
 * The action named by @obj.@act_key, with the errno (or trace message) of
 * @obj.@errno_key folded in.
 */
static int parse_action(const json_t *obj, const char *act_key, const char *errno_key,
			const char *path, uint32_t *out)
{
	const struct action_def *a;
	const char *name;
	int64_t data = -1;

	if (required_string(obj, act_key, path, &name))
		return -1;
	a = find_action(name);
	if (!a)
		return oj_error(path, act_key, "unknown action '%s'", name);
	if (a->unsupported)
		return oj_error(path, act_key,
				"%s is not supported by vessel (no seccomp agent hand-off to listenerPath)",
				name);
	if (oj_range(obj, errno_key, path, 0, ACTION_DATA_MAX, &data))
		return -1;
	if (data >= 0 && !a->has_data)
		return oj_error(path, errno_key, "not allowed with %s (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)",
				name);
	if (data < 0)
		data = EPERM;	/* the spec's default, for the actions that take one */
	*out = a->has_data ? a->action | (uint32_t)data : a->action;
	return 0;
}

static int parse_arches(const json_t *sc, scmp_filter_ctx ctx)
{
	const struct name_value *nv;
	char **v = NULL, key[64];
	size_t i, j;
	int rc = -1, ret;

	if (oj_strv(sc, "architectures", SECCOMP_PATH, &v))
		return -1;
	for (i = 0; v && v[i]; i++) {
		snprintf(key, sizeof(key), "architectures[%zu]", i);
		nv = find_name(arches, ARRAY_SIZE(arches), v[i]);
		if (!nv) {
			for (j = 0; j < ARRAY_SIZE(arches_too_new); j++)
				if (!strcmp(arches_too_new[j], v[i]))
					break;
			if (j < ARRAY_SIZE(arches_too_new))
				oj_error(SECCOMP_PATH, key, "'%s' is not supported by libseccomp %u.%u.%u",
					 v[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
			else
				oj_error(SECCOMP_PATH, key, "unknown architecture '%s'", v[i]);
			goto out;
		}
		ret = seccomp_arch_add(ctx, nv->value);
		/* The native architecture is always there already. */
		if (ret && ret != -EEXIST) {
			oj_error(SECCOMP_PATH, key, "adding %s: %s", v[i], strerror(-ret));
			goto out;
		}
	}
	rc = 0;
out:
	oj_strv_free(v);
	return rc;
}

static int set_flag(scmp_filter_ctx ctx, const char *key, const char *flag)
{
	enum scmp_filter_attr attr;
	int ret;

	if (!strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC"))
		attr = SCMP_FLTATR_CTL_TSYNC;
	else if (!strcmp(flag, "SECCOMP_FILTER_FLAG_LOG"))
		attr = SCMP_FLTATR_CTL_LOG;
	else if (!strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
		attr = SCMP_FLTATR_CTL_SSB;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
	else if (!strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
		attr = SCMP_FLTATR_CTL_WAITKILL;
#else
	else if (!strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
		return oj_error(SECCOMP_PATH, key, "%s is not supported by libseccomp %u.%u.%u",
				flag, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
	else
		return oj_error(SECCOMP_PATH, key, "unknown flag '%s'", flag);

	ret = seccomp_attr_set(ctx, attr, 1);
	if (ret)
		return oj_error(SECCOMP_PATH, key, "%s: %s (not supported by this kernel or libseccomp?)",
				flag, strerror(-ret));
	return 0;
}

static int parse_flags(const json_t *sc, scmp_filter_ctx ctx)
{
	char **v = NULL, key[64];
	size_t i;
	int rc = 0;

	if (oj_strv(sc, "flags", SECCOMP_PATH, &v))
		return -1;
	for (i = 0; v && v[i] && !rc; i++) {
		snprintf(key, sizeof(key), "flags[%zu]", i);
		rc = set_flag(ctx, key, v[i]);
	}
	oj_strv_free(v);
	return rc;
}

static int parse_arg(const json_t *arg, const char *path, struct scmp_arg_cmp *out)
{
	const struct name_value *op;
	const char *name;
	int64_t index = -1;
	uint64_t value = 0, value_two = 0;
	const json_t *value_json = json_object_get(arg, "value");

	if (!json_is_object(arg))
		return oj_error(path, NULL, "expected an object");
	if (oj_range(arg, "index", path, 0, SYSCALL_MAX_ARGS - 1, &index))
		return -1;
	if (index < 0)
		return oj_error(path, "index", "missing (it is required)");
	if (!value_json || json_is_null(value_json))
		return oj_error(path, "value", "missing (it is required)");
	if (oj_uint64(arg, "value", path, &value) || oj_uint64(arg, "valueTwo", path, &value_two))
		return -1;
	if (required_string(arg, "op", path, &name))
		return -1;
	op = find_name(ops, ARRAY_SIZE(ops), name);
	if (!op)
		return oj_error(path, "op", "unknown operator '%s'", name);

	*out = (struct scmp_arg_cmp){
		.arg = (unsigned)index,
		.op = (enum scmp_compare)op->value,
		.datum_a = value,
		.datum_b = value_two,
	};
	return 0;
}

/* A syscall entry, validated and ready to become rules. */
struct rule {
	char **names;
	uint32_t action;
	struct scmp_arg_cmp args[SYSCALL_MAX_ARGS];
	unsigned nargs;
	/* Two conditions on one argument cannot share a rule: each gets its own (OR). */
	bool split;
};

static int parse_args(const json_t *entry, const char *path, struct rule *r)
{
	char argpath[128];
	unsigned seen = 0;
	json_t *args = NULL, *arg;
	size_t i;

	if (oj_array(entry, "args", path, &args))
		return -1;
	if (!args)
		return 0;
	if (json_array_size(args) > SYSCALL_MAX_ARGS)
		return oj_error(path, "args", "more than %d conditions", SYSCALL_MAX_ARGS);
	json_array_foreach(args, i, arg) {
		snprintf(argpath, sizeof(argpath), "%s.args[%zu]", path, i);
		if (parse_arg(arg, argpath, &r->args[i]))
			return -1;
		if (seen & (1u << r->args[i].arg))
			r->split = true;
		seen |= 1u << r->args[i].arg;
	}
	r->nargs = (unsigned)i;
	return 0;
}

static int parse_rule(const json_t *entry, const char *path, struct rule *r)
{
	if (!json_is_object(entry))
		return oj_error(path, NULL, "expected an object");
	if (oj_strv(entry, "names", path, &r->names))
		return -1;
	if (!r->names || !r->names[0])
		return oj_error(path, "names", "needs at least one syscall name");
	if (parse_action(entry, "action", "errnoRet", path, &r->action))
		return -1;
	return parse_args(entry, path, r);
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, const char *path)
{
	unsigned i, a;
	int nr, ret;

	for (i = 0; r->names[i]; i++) {
		nr = seccomp_syscall_resolve_name(r->names[i]);
		/* Profiles name syscalls of newer kernels than libseccomp knows. */
		if (nr == __NR_SCMP_ERROR) {
			pr_debug("seccomp: %s: unknown syscall '%s' skipped", path, r->names[i]);
			continue;
		}
		if (!r->split) {
			ret = seccomp_rule_add_array(ctx, r->action, nr, r->nargs, r->args);
		} else {
			for (a = 0, ret = 0; a < r->nargs && !ret; a++)
				ret = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->args[a]);
		}
		if (ret) {
			pr_err("config.json: %s: adding the rule for '%s': %s", path, r->names[i],
			       strerror(-ret));
			return -1;
		}
	}
	return 0;
}

static int parse_syscalls(const json_t *sc, scmp_filter_ctx ctx, uint32_t def_action,
			  size_t *nrules)
{
	json_t *calls = NULL, *entry;
	char path[64];
	struct rule r;
	size_t i;
	int rc;

	if (oj_array(sc, "syscalls", SECCOMP_PATH, &calls))
		return -1;
	if (!calls)
		return 0;
	json_array_foreach(calls, i, entry) {
		snprintf(path, sizeof(path), SECCOMP_PATH ".syscalls[%zu]", i);
		memset(&r, 0, sizeof(r));
		rc = parse_rule(entry, path, &r);
		/* libseccomp refuses a rule that repeats the default; it would change nothing. */
		if (!rc && r.action != def_action) {
			rc = add_rule(ctx, &r, path);
			*nrules += 1;
		}
		oj_strv_free(r.names);
		if (rc)
			return -1;
	}
	return 0;
}

static int parse_listener(const json_t *sc)
{
	const char *listener = NULL, *meta = NULL;

	if (oj_string(sc, "listenerPath", SECCOMP_PATH, &listener) ||
	    oj_string(sc, "listenerMetadata", SECCOMP_PATH, &meta))
		return -1;
	if (meta && !listener)
		return oj_error(SECCOMP_PATH, "listenerMetadata", "set without listenerPath");
	/* Without SCMP_ACT_NOTIFY (which is refused) the spec says to ignore it. */
	if (listener)
		pr_debug("seccomp: listenerPath '%s' ignored: no SCMP_ACT_NOTIFY rule", listener);
	return 0;
}

int seccomp_filter_parse(const json_t *seccomp, struct seccomp_filter **out)
{
	struct seccomp_filter *f;
	uint32_t def_action;
	size_t nrules = 0;
	int ret;

	*out = NULL;
	if (!seccomp)
		return 0;
	if (!json_is_object(seccomp))
		return oj_error(SECCOMP_PATH, NULL, "expected an object");
	if (parse_action(seccomp, "defaultAction", "defaultErrnoRet", SECCOMP_PATH, &def_action) ||
	    parse_listener(seccomp))
		return -1;

	f = calloc(1, sizeof(*f));
	if (!f)
		return oj_error(SECCOMP_PATH, NULL, "out of memory");
	f->ctx = seccomp_init(def_action);
	if (!f->ctx) {
		oj_error(SECCOMP_PATH, "defaultAction", "libseccomp refused it");
		goto err;
	}
	/* The runtime sets no_new_privs itself, from process.noNewPrivileges. */
	ret = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret) {
		pr_err("seccomp: clearing the no_new_privs attribute: %s", strerror(-ret));
		goto err;
	}
	/* Else 2.5.4 turns every kernel error of seccomp_load into ECANCELED. */
	ret = seccomp_attr_set(f->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (ret) {
		pr_err("seccomp: asking for raw error codes: %s", strerror(-ret));
		goto err;
	}
	if (parse_arches(seccomp, f->ctx) || parse_flags(seccomp, f->ctx) ||
	    parse_syscalls(seccomp, f->ctx, def_action, &nrules))
		goto err;
	if (nrules > BTREE_MIN_RULES &&
	    seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_OPTIMIZE, SCMP_OPTIMIZE_BTREE))
		pr_debug("seccomp: binary tree optimization not available");
	pr_debug("seccomp: filter with %zu rule entries, default action %#x", nrules, def_action);
	*out = f;
	return 0;
err:
	seccomp_filter_free(f);
	return -1;
}

int seccomp_filter_load(struct seccomp_filter *f)
{
	int ret;

	if (!f)
		return 0;
	ret = seccomp_load(f->ctx);
	if (ret) {
		pr_err("seccomp: loading the filter: %s%s", strerror(-ret),
		       ret == -EACCES ? " (needs no_new_privs or CAP_SYS_ADMIN)" : "");
		return -1;
	}
	return 0;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f);
}
