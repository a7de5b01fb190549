"""Run one VMM for the built-in guest's benchmarks and sample its CPU time around each pattern.

usage: blk-sample.py [--patterns=N] NAME COMMAND...
prints JSON: pattern -> MiB/s, IOPS, CPU per request (N patterns must finish, 4 by
default: blkbench's; bench/net-guest's netbench counts packets as requests)
The VMM runs in a cgroup of its own, whose CPU counter (nanoseconds) covers every
thread it ever had, io_uring's short-lived workers included; the vCPU threads'
share comes from their scheduler statistics (nanoseconds). vCPU threads are told
apart by name: vessel's "vcpuN", QEMU's "CPU N/KVM". Without a cgroup to make
(not root) it falls back to /proc's clock ticks.
"""
import json, os, re, subprocess, sys

TICK = os.sysconf("SC_CLK_TCK")
VCPU = re.compile(r"vcpu\d+$|CPU \d+/KVM$")


class Cgroup:
    """A CPU-accounting cgroup: cgroup v2, or v1's cpuacct."""

    def __init__(self, name):
        self.path = None
        v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
        base = "/sys/fs/cgroup" if v2 else next(
            (p for p in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct")
             if os.path.isdir(p)), None)
        if base is None:
            return
        path = os.path.join(base, name)
        try:
            os.mkdir(path)
        except OSError:
            return
        self.path, self.v2 = path, v2

    def enter(self):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def usage(self):
        """CPU time of everything that ran in the cgroup, in seconds."""
        if self.v2:
            with open(os.path.join(self.path, "cpu.stat")) as f:
                return int(f.readline().split()[1]) / 1e6    # usage_usec
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def remove(self):
        if self.path:
            os.rmdir(self.path)


def ticks(stat):
    """utime + stime of a /proc stat line, in seconds."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def vcpu_cpu(pid, exact):
    """CPU time of the process's vCPU threads, and how many there are."""
    total, count = 0.0, 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            if not VCPU.match(name):
                continue
            if exact:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0]) / 1e9
            else:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    total += ticks(f.read())
        except OSError:
            continue
        count += 1
    return total, count


def sample(pid, cg):
    """(all CPU time, vCPU CPU time, vCPU threads) of the VMM, in seconds."""
    if cg.path:
        total = cg.usage()
    else:
        with open(f"/proc/{pid}/stat") as f:
            total = ticks(f.read())
    vcpu, count = vcpu_cpu(pid, cg.path is not None)
    return total, vcpu, count


def main():
    args, patterns = sys.argv[1:], 4
    if args and args[0].startswith("--patterns="):
        patterns = int(args.pop(0).split("=", 1)[1])
    name, cmd = args[0], args[1:]
    cg = Cgroup(f"vessel-blk-sample-{os.getpid()}")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            preexec_fn=cg.enter if cg.path else None)
    results, begin = {}, None
    try:
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("BENCH-BEGIN "):
                begin = sample(proc.pid, cg)
                print(f"blk-sample: {name}: {line[12:]}", file=sys.stderr)
            m = re.match(r"BENCH (\S+) ops=(\d+) bytes=(\d+) usec=(\d+)(?: kicks=(\d+))?", line)
            if m and begin:
                end = sample(proc.pid, cg)
                if end[2] < begin[2] or not end[2]:
                    sys.exit(f"{name}: the vCPU threads were gone before the sample was taken")
                mode, ops, nbytes, usec = m.group(1), *map(int, m.groups()[1:4])
                results[mode] = {
                    "ops": ops,
                    "mibps": nbytes / (1 << 20) / (usec / 1e6),
                    "iops": ops / (usec / 1e6),
                    "cpu_us": (end[0] - begin[0]) * 1e6 / max(ops, 1),
                    "vmm_us": ((end[0] - end[1]) - (begin[0] - begin[1])) * 1e6 / max(ops, 1),
                    "vmm_s": (end[0] - end[1]) - (begin[0] - begin[1]),
                    "usec": usec,
                }
                if m.group(5) is not None:
                    results[mode]["kicks"] = int(m.group(5)) / max(ops, 1)
            m = re.search(r"IOMMU: IOTLB (\d+) hits, (\d+) misses", line)
            if m:
                results["iotlb"] = {"hits": int(m.group(1)), "misses": int(m.group(2))}
            if "VESSEL-TEST-RESULT" in line and "PASS" not in line:
                sys.exit(f"{name}: the guest's benchmark failed")
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        cg.remove()
    if len([k for k in results if k != "iotlb"]) != patterns:
        sys.exit(f"{name}: only {sorted(results)} finished (exit {proc.returncode})")
    json.dump(results, sys.stdout)


main()
