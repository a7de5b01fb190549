#include "oci/caps.h"
#include "oci/oci_json.h"
#include "core/log.h"

#include <errno.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The capability sets are two 32-bit words in the kernel ABI: 64 bits at most. */
#define CAPS_MAX 64
#define CAP_BIT(c) (1ull << (c))

#define CAP_ENTRY(c) [c] = #c

static const char *const cap_names[] = {
	CAP_ENTRY(CAP_CHOWN),
	CAP_ENTRY(CAP_DAC_OVERRIDE),
	CAP_ENTRY(CAP_DAC_READ_SEARCH),
	CAP_ENTRY(CAP_FOWNER),
	CAP_ENTRY(CAP_FSETID),
	CAP_ENTRY(CAP_KILL),
	CAP_ENTRY(CAP_SETGID),
	CAP_ENTRY(CAP_SETUID),
	CAP_ENTRY(CAP_SETPCAP),
	CAP_ENTRY(CAP_LINUX_IMMUTABLE),
	CAP_ENTRY(CAP_NET_BIND_SERVICE),
	CAP_ENTRY(CAP_NET_BROADCAST),
	CAP_ENTRY(CAP_NET_ADMIN),
	CAP_ENTRY(CAP_NET_RAW),
	CAP_ENTRY(CAP_IPC_LOCK),
	CAP_ENTRY(CAP_IPC_OWNER),
	CAP_ENTRY(CAP_SYS_MODULE),
	CAP_ENTRY(CAP_SYS_RAWIO),
	CAP_ENTRY(CAP_SYS_CHROOT),
	CAP_ENTRY(CAP_SYS_PTRACE),
	CAP_ENTRY(CAP_SYS_PACCT),
	CAP_ENTRY(CAP_SYS_ADMIN),
	CAP_ENTRY(CAP_SYS_BOOT),
	CAP_ENTRY(CAP_SYS_NICE),
	CAP_ENTRY(CAP_SYS_RESOURCE),
	CAP_ENTRY(CAP_SYS_TIME),
	CAP_ENTRY(CAP_SYS_TTY_CONFIG),
	CAP_ENTRY(CAP_MKNOD),
	CAP_ENTRY(CAP_LEASE),
	CAP_ENTRY(CAP_AUDIT_WRITE),
	CAP_ENTRY(CAP_AUDIT_CONTROL),
	CAP_ENTRY(CAP_SETFCAP),
	CAP_ENTRY(CAP_MAC_OVERRIDE),
	CAP_ENTRY(CAP_MAC_ADMIN),
	CAP_ENTRY(CAP_SYSLOG),
	CAP_ENTRY(CAP_WAKE_ALARM),
	CAP_ENTRY(CAP_BLOCK_SUSPEND),
	CAP_ENTRY(CAP_AUDIT_READ),
	CAP_ENTRY(CAP_PERFMON),
	CAP_ENTRY(CAP_BPF),
	CAP_ENTRY(CAP_CHECKPOINT_RESTORE),
};

#define CAPS_NAMED (sizeof(cap_names) / sizeof(cap_names[0]))

_Static_assert(CAPS_NAMED <= CAPS_MAX, "capability table wider than the kernel ABI");

const char *caps_name(unsigned bit)
{
	return bit < CAPS_NAMED ? cap_names[bit] : NULL;
}

static int cap_by_name(const char *name)
{
	unsigned i;

	for (i = 0; i < CAPS_NAMED; i++)
		if (cap_names[i] && !strcmp(cap_names[i], name))
			return (int)i;
	return -1;
}

/* Printable name even for a bit the table does not know. */
static const char *cap_label(unsigned bit, char *buf, size_t len)
{
	const char *name = caps_name(bit);

	if (name)
		return name;
	snprintf(buf, len, "capability %u", bit);
	return buf;
}

/* The first capability of @mask, named, for an error message. */
static const char *first_cap(uint64_t mask, char *buf, size_t len)
{
	return cap_label((unsigned)__builtin_ctzll(mask), buf, len);
}

/*
 * The highest capability the running kernel knows. Asked of the kernel with
 * PR_CAPBSET_READ (EINVAL past the last one) rather than read from
 * /proc/sys/kernel/cap_last_cap: the child may run where no /proc is mounted.
 */
static unsigned kernel_last_cap(void)
{
	unsigned cap = CAPS_MAX - 1;

	while (cap > 0 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0 && errno == EINVAL)
		cap--;
	return cap;
}

static int parse_set(const json_t *obj, const char *key, const char *path, unsigned last,
		     uint64_t *out)
{
	json_t *arr = NULL, *v;
	char elem[64];
	size_t i;
	int cap;

	if (oj_array(obj, key, path, &arr))
		return -1;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, v) {
		snprintf(elem, sizeof(elem), "%s[%zu]", key, i);
		if (!json_is_string(v))
			return oj_error(path, elem, "expected a string");
		cap = cap_by_name(json_string_value(v));
		if (cap < 0)
			return oj_error(path, elem, "unknown capability '%s'", json_string_value(v));
		/* Profiles are written for newer kernels too; runc skips these the same way. */
		if ((unsigned)cap > last) {
			pr_warn("config.json: %s.%s: %s is not known to this kernel, skipped", path,
				elem, cap_names[cap]);
			continue;
		}
		*out |= CAP_BIT(cap);
	}
	return 0;
}

/* The kernel refuses an effective set wider than the permitted one. */
static int check_effective(const struct caps *c, const char *path)
{
	uint64_t extra = c->effective & ~c->permitted;
	char buf[32];

	if (!extra)
		return 0;
	if (path)
		return oj_error(path, "effective", "%s is not in the permitted set",
				first_cap(extra, buf, sizeof(buf)));
	pr_err("effective capability %s is not in the permitted set",
	       first_cap(extra, buf, sizeof(buf)));
	return -1;
}

int caps_parse(const json_t *capabilities, const char *path, struct caps *out)
{
	static const struct {
		const char *key;
		size_t offset;
	} sets[] = {
		{ "bounding", offsetof(struct caps, bounding) },
		{ "effective", offsetof(struct caps, effective) },
		{ "inheritable", offsetof(struct caps, inheritable) },
		{ "permitted", offsetof(struct caps, permitted) },
		{ "ambient", offsetof(struct caps, ambient) },
	};
	struct caps c = { 0 };
	unsigned last, i;

	*out = c;
	if (!capabilities)
		return 0;
	if (!json_is_object(capabilities))
		return oj_error(path, NULL, "expected an object");
	last = kernel_last_cap();
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (parse_set(capabilities, sets[i].key, path, last,
			      (uint64_t *)((char *)&c + sets[i].offset)))
			return -1;
	if (check_effective(&c, path))
		return -1;
	*out = c;
	return 0;
}

static int read_bounding(unsigned last, uint64_t *out)
{
	char buf[32];
	unsigned cap;
	int in;

	*out = 0;
	for (cap = 0; cap <= last; cap++) {
		in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0) {
			pr_err("reading the bounding set (%s): %s", cap_label(cap, buf, sizeof(buf)),
			       strerror(errno));
			return -1;
		}
		if (in)
			*out |= CAP_BIT(cap);
	}
	return 0;
}

int caps_apply_bounding(const struct caps *c)
{
	unsigned last = kernel_last_cap(), cap;
	uint64_t have;
	char buf[32];

	if (read_bounding(last, &have))
		return -1;
	for (cap = 0; cap <= last; cap++) {
		const char *name = cap_label(cap, buf, sizeof(buf));

		if (c->bounding & CAP_BIT(cap)) {
			/* Nothing can add to a bounding set: go on without it, as runc does. */
			if (!(have & CAP_BIT(cap)))
				pr_warn("%s is not in the runtime's bounding set: the container will not have it",
					name);
			continue;
		}
		if (!(have & CAP_BIT(cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
			pr_err("dropping %s from the bounding set: %s", name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct cap_words {
	uint64_t effective, permitted, inheritable;
};

static int cap_get(struct cap_words *w)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, d)) {
		pr_err("capget: %s", strerror(errno));
		return -1;
	}
	w->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	w->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	w->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int cap_set(const struct cap_words *w)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
		{ (uint32_t)w->effective, (uint32_t)w->permitted, (uint32_t)w->inheritable },
		{ (uint32_t)(w->effective >> 32), (uint32_t)(w->permitted >> 32),
		  (uint32_t)(w->inheritable >> 32) },
	};

	if (syscall(SYS_capset, &hdr, d)) {
		pr_err("capset (effective %#llx, permitted %#llx, inheritable %#llx): %s",
		       (unsigned long long)w->effective, (unsigned long long)w->permitted,
		       (unsigned long long)w->inheritable, strerror(errno));
		return -1;
	}
	return 0;
}

static void warn_skipped(uint64_t mask, const char *set)
{
	char buf[32];
	unsigned cap;

	for (cap = 0; cap < CAPS_MAX; cap++)
		if (mask & CAP_BIT(cap))
			pr_warn("%s is not in the bounding set: left out of the %s set",
				cap_label(cap, buf, sizeof(buf)), set);
}

/*
 * What of @c the kernel can grant, given what this process holds now
 * (@cur, @bnd); *skipped gets what it cannot, for no fault of the config.
 */
static int reachable_sets(const struct caps *c, const struct cap_words *cur, uint64_t bnd,
			  struct cap_words *want, uint64_t *skipped)
{
	uint64_t missing = c->permitted & ~cur->permitted;
	uint64_t unreachable = missing & ~bnd;
	char buf[32];

	/*
	 * Held neither in permitted nor in the bounding set: the runtime never
	 * had it. Held in the bounding set only: lost on the way, which is a bug
	 * (a uid change without keepcaps) and must not pass silently.
	 */
	if (missing & ~unreachable) {
		pr_err("cannot keep %s in the permitted set: the runtime does not hold it (uid changed without PR_SET_KEEPCAPS?)",
		       first_cap(missing & ~unreachable, buf, sizeof(buf)));
		return -1;
	}
	want->permitted = c->permitted & ~unreachable;
	want->effective = c->effective & want->permitted;
	/* The kernel takes new inheritable capabilities only from the bounding set. */
	want->inheritable = c->inheritable & (cur->inheritable | bnd);
	warn_skipped(unreachable, "permitted");
	warn_skipped(c->inheritable & ~want->inheritable, "inheritable");
	*skipped = unreachable | (c->inheritable & ~want->inheritable);
	return 0;
}

static int apply_ambient(uint64_t ambient, uint64_t skipped)
{
	char buf[32];
	unsigned cap;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) {
		/* Kernels before 4.3 have no ambient set; fine if none is asked for. */
		if (errno == EINVAL && !ambient)
			return 0;
		pr_err("clearing the ambient set: %s", strerror(errno));
		return -1;
	}
	for (cap = 0; cap < CAPS_MAX; cap++) {
		if (!(ambient & CAP_BIT(cap)))
			continue;
		if (skipped & CAP_BIT(cap)) {
			warn_skipped(CAP_BIT(cap), "ambient");
			continue;
		}
		/* As runc: configs list ambient capabilities without inheritable ones. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0))
			pr_warn("process.capabilities.ambient: %s left out: %s (an ambient "
				"capability must be permitted and inheritable)",
				cap_label(cap, buf, sizeof(buf)), strerror(errno));
	}
	return 0;
}

int caps_apply(const struct caps *c)
{
	struct cap_words cur, want;
	uint64_t bnd, skipped;

	if (check_effective(c, NULL))
		return -1;
	if (cap_get(&cur) || read_bounding(kernel_last_cap(), &bnd))
		return -1;
	if (reachable_sets(c, &cur, bnd, &want, &skipped) || cap_set(&want))
		return -1;
	return apply_ambient(c->ambient, skipped);
}
