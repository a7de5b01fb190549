#include "core/vcpu_regs.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

int vcpu_regs_get(int vcpu_fd, struct vcpu_regs *r, struct error *err)
{
	if (ioctl(vcpu_fd, KVM_GET_REGS, &r->regs) < 0)
		return error_set(err, errno, "KVM_GET_REGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &r->sregs) < 0)
		return error_set(err, errno, "KVM_GET_SREGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_GET_FPU, &r->fpu) < 0)
		return error_set(err, errno, "KVM_GET_FPU: %s", strerror(errno));
	return 0;
}

int vcpu_regs_set(int vcpu_fd, const struct vcpu_regs *r, struct error *err)
{
	/* Special registers first: the mode they set decides how the rest is read. */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &r->sregs) < 0)
		return error_set(err, errno, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r->regs) < 0)
		return error_set(err, errno, "KVM_SET_REGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_SET_FPU, &r->fpu) < 0)
		return error_set(err, errno, "KVM_SET_FPU: %s", strerror(errno));
	return 0;
}
