/*
 * tap: frames through a Linux tap device (Documentation/networking/tuntap.rst),
 * each behind a 12-byte virtio_net_hdr_v1 (IFF_VNET_HDR, TUNSETVNETHDRSZ), so
 * checksum and segmentation offloads pass between the guest and the host's
 * stack untouched (TUNSETOFFLOAD: what the kernel may send us). A tap vessel
 * creates is not persistent: it goes away when its last fd closes, so even a
 * crash leaves nothing behind. With queues=N the tap is multi-queue
 * (IFF_MULTI_QUEUE): one fd per queue pair, and the kernel spreads flows over
 * the queues attached (TUNSETQUEUE), which are the pairs the driver uses.
 */
#include "backend/net_backend.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAP_VNET_HDR_LEN	12	/* struct virtio_net_hdr_v1 (virtio 1.2, 5.1.6) */

struct tap {
	struct net_backend be;
	int fd[NET_MAX_QUEUES];
	unsigned attached;		/* queues 0..attached-1 get frames */
};

static struct tap *to_tap(struct net_backend *be)
{
	return (struct tap *)((char *)be - offsetof(struct tap, be));
}

static ssize_t tap_tx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	ssize_t r = writev(to_tap(be)->fd[q], iov, (int)n);

	return r < 0 ? -errno : r;
}

static ssize_t tap_rx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	ssize_t r = readv(to_tap(be)->fd[q], iov, (int)n);

	return r < 0 ? -errno : r;
}

static unsigned tun_flags(unsigned offloads)
{
	return (offloads & NET_OFF_CSUM ? TUN_F_CSUM : 0) |
	       (offloads & NET_OFF_TSO4 ? TUN_F_TSO4 : 0) |
	       (offloads & NET_OFF_TSO6 ? TUN_F_TSO6 : 0) |
	       (offloads & NET_OFF_ECN ? TUN_F_TSO_ECN : 0) |
	       (offloads & NET_OFF_UFO ? TUN_F_UFO : 0);
}

static int tap_set_offload(struct net_backend *be, unsigned offloads)
{
	if (!be->vnet_hdr)
		return offloads ? -1 : 0;
	/* The offloads are the device's: any of its queues sets them. */
	return ioctl(to_tap(be)->fd[0], TUNSETOFFLOAD, tun_flags(offloads & be->offloads));
}

/* Attach queues 0..@n-1 and detach the rest, so the kernel only uses those. */
static int tap_set_queues(struct net_backend *be, unsigned n)
{
	struct tap *t = to_tap(be);
	unsigned q;

	if (n == 0 || n > be->nr_queues)
		return -1;
	for (q = 0; q < be->nr_queues; q++) {
		struct ifreq ifr = { .ifr_flags = q < n ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };
		bool on = q < t->attached;

		if (on == (q < n))
			continue;
		if (ioctl(t->fd[q], TUNSETQUEUE, &ifr)) {
			pr_debug("tap %s: queue %u: TUNSETQUEUE: %s", be->name, q, strerror(errno));
			return -1;
		}
	}
	t->attached = n;
	return 0;
}

static void close_fds(struct tap *t)
{
	unsigned q;

	for (q = 0; q < NET_MAX_QUEUES; q++)
		if (t->fd[q] >= 0)
			close(t->fd[q]);
}

static void tap_close(struct net_backend *be)
{
	struct tap *t = to_tap(be);

	close_fds(t);
	free(t);
}

static const struct net_backend_ops tap_ops = {
	.tx = tap_tx,
	.rx = tap_rx,
	.set_offload = tap_set_offload,
	.set_queues = tap_set_queues,
	.close = tap_close,
};

/* What the kernel takes: the largest set first, UFO being gone from some kernels. */
static unsigned probe_offloads(int fd)
{
	static const unsigned sets[] = {
		NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6 | NET_OFF_ECN | NET_OFF_UFO,
		NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6 | NET_OFF_ECN,
		NET_OFF_CSUM,
	};
	unsigned i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (ioctl(fd, TUNSETOFFLOAD, tun_flags(sets[i])) == 0)
			return sets[i];
	return 0;
}

/* sysfs: whether @name exists, and whether it is a tun/tap device. */
static bool sysfs_has(const char *name, const char *attr)
{
	char path[64 + IFNAMSIZ];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s%s", name, attr);
	return stat(path, &st) == 0;
}

static int open_clone(const char *what, struct error *err)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return error_set(err, errno, "--net %s: /dev/net/tun is missing (no tun module?)",
				 what);
	return error_set(err, errno, "--net %s: cannot open /dev/net/tun: %s", what,
			 strerror(errno));
}

/* Queue @q of tap @name: the first one creates the tap if it does not exist. */
static int attach_queue(struct tap *t, const char *name, unsigned q, bool exists,
			struct error *err)
{
	struct ifreq ifr;

	t->fd[q] = open_clone(name, err);
	if (t->fd[q] < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (t->be.nr_queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(t->fd[q], TUNSETIFF, &ifr) == 0)
		return 0;
	if (errno == EPERM && !exists)
		return error_set(err, EPERM, "--net tap,ifname=%s: no such tap, and creating one "
				 "needs CAP_NET_ADMIN", name);
	if (errno == EPERM)
		return error_set(err, EPERM, "--net tap,ifname=%s: permission denied (opening a "
				 "tap needs CAP_NET_ADMIN or to be its owner)", name);
	if (errno == EBUSY)
		return error_set(err, EBUSY, "--net tap,ifname=%s: the tap is busy (another "
				 "process has it open)", name);
	if (errno == EINVAL && t->be.nr_queues > 1)
		return error_set(err, EINVAL, "--net tap,ifname=%s: queues=%u needs a tap created "
				 "with multi_queue", name, t->be.nr_queues);
	if (errno == EINVAL)
		return error_set(err, EINVAL, "--net tap,ifname=%s: not a plain tap (a tun, or "
				 "created with multi_queue)", name);
	return error_set(err, errno, "--net tap,ifname=%s: %s", name, strerror(errno));
}

static int attach_ifname(struct tap *t, const char *name, struct error *err)
{
	bool exists = sysfs_has(name, "");
	unsigned q;

	if (exists && !sysfs_has(name, "/tun_flags"))
		return error_set(err, EINVAL, "--net tap,ifname=%s: %s is not a tap device", name,
				 name);
	for (q = 0; q < t->be.nr_queues; q++)
		if (attach_queue(t, name, q, exists, err))
			return -1;
	pr_debug("--net tap,ifname=%s: %s, %u queue(s)", name, exists ? "opened" :
		 "created (it goes away at exit)", t->be.nr_queues);
	t->be.vnet_hdr = true;
	return 0;
}
/* An fd a parent opened: it must be a tap without packet information. */
static int attach_fd(struct tap *t, int fd, struct error *err)
{
	struct ifreq ifr;

	if (fcntl(fd, F_GETFD) < 0)
		return error_set(err, EBADF, "--net tap,fd=%d: not an open file descriptor", fd);
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr))
		return error_set(err, EINVAL, "--net tap,fd=%d: not a tap device", fd);
	if (!(ifr.ifr_flags & IFF_TAP))
		return error_set(err, EINVAL, "--net tap,fd=%d: a tun device, not a tap", fd);
	if (!(ifr.ifr_flags & IFF_NO_PI))
		return error_set(err, EINVAL, "--net tap,fd=%d: the tap was opened without "
				 "IFF_NO_PI", fd);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC))
		return error_set(err, errno, "--net tap,fd=%d: %s", fd, strerror(errno));
	t->fd[0] = fd;
	t->be.vnet_hdr = ifr.ifr_flags & IFF_VNET_HDR;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	snprintf(t->be.name, sizeof(t->be.name), "%s", ifr.ifr_name);
	return 0;
}

struct net_backend *tap_open(const struct net_options *o, struct error *err)
{
	struct tap *t = calloc(1, sizeof(*t));
	int hdr_len = TAP_VNET_HDR_LEN;
	unsigned q;

	if (!t) {
		error_set(err, ENOMEM, "--net tap: out of memory");
		return NULL;
	}
	for (q = 0; q < NET_MAX_QUEUES; q++)
		t->fd[q] = -1;
	t->be.ops = &tap_ops;
	t->be.nr_queues = o->queues;
	if (o->ifname) {
		snprintf(t->be.name, sizeof(t->be.name), "%s", o->ifname);
		if (attach_ifname(t, o->ifname, err))
			goto err_free;
	} else if (attach_fd(t, o->fd, err)) {
		goto err_free;
	}
	/* The header's fields are little-endian, the host's order here (x86). */
	for (q = 0; q < t->be.nr_queues && t->be.vnet_hdr; q++) {
		if (ioctl(t->fd[q], TUNSETVNETHDRSZ, &hdr_len)) {
			error_set(err, errno, "--net tap %s: TUNSETVNETHDRSZ: %s", t->be.name,
				  strerror(errno));
			goto err_free;
		}
	}
	if (t->be.vnet_hdr) {
		t->be.offloads = probe_offloads(t->fd[0]);
		/* Nothing offloaded until a driver says what it takes. */
		ioctl(t->fd[0], TUNSETOFFLOAD, 0);
	}
	for (q = 0; q < t->be.nr_queues; q++)
		t->be.rx_fd[q] = t->fd[q];
	t->attached = t->be.nr_queues;
	return &t->be;

err_free:
	close_fds(t);
	free(t);
	return NULL;
}
