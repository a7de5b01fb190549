"""Run one VMM for bench/blk-io and sample its threads' CPU time around each pattern.

usage: blk-sample.py NAME COMMAND...   prints JSON: pattern -> MiB/s, IOPS, CPU per request
vCPU threads are told apart by name: vessel's "vcpuN", QEMU's "CPU N/KVM".
"""
import json, os, re, subprocess, sys

TICK = os.sysconf("SC_CLK_TCK")


def ticks(stat):
    """utime + stime of a /proc stat line, in seconds."""
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_cpu(pid):
    """The process's CPU time (exited threads included, such as io_uring's
    workers) and the part its vCPU threads used."""
    with open(f"/proc/{pid}/stat") as f:
        total = ticks(f.read())
    vcpu = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if re.match(r"vcpu\d+$|CPU \d+/KVM$", name):
            vcpu += ticks(stat)
    return total, vcpu


def main():
    name, cmd = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    results, begin = {}, None
    for line in proc.stdout:
        line = line.strip()
        if line.startswith("BENCH-BEGIN "):
            begin = thread_cpu(proc.pid)
            print(f"blk-io: {name}: {line[12:]}", file=sys.stderr)
        m = re.match(r"BENCH (\S+) ops=(\d+) bytes=(\d+) usec=(\d+)", line)
        if m and begin:
            end = thread_cpu(proc.pid)
            mode, ops, nbytes, usec = m.group(1), *map(int, m.groups()[1:])
            results[mode] = {
                "ops": ops,
                "mibps": nbytes / (1 << 20) / (usec / 1e6),
                "iops": ops / (usec / 1e6),
                "cpu_us": (end[0] - begin[0]) * 1e6 / max(ops, 1),
                "vmm_us": ((end[0] - end[1]) - (begin[0] - begin[1])) * 1e6 / max(ops, 1),
            }
        m = re.search(r"IOMMU: IOTLB (\d+) hits, (\d+) misses", line)
        if m:
            results["iotlb"] = {"hits": int(m.group(1)), "misses": int(m.group(2))}
        if "VESSEL-TEST-RESULT" in line and "PASS" not in line:
            sys.exit(f"{name}: the guest's benchmark failed")
    proc.wait()
    if len([k for k in results if k != "iotlb"]) != 4:
        sys.exit(f"{name}: only {sorted(results)} finished (exit {proc.returncode})")
    json.dump(results, sys.stdout)


main()
