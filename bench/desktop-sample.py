#!/usr/bin/env python3
"""CPU time of a VMM's threads while a viewer runs: bench/desktop's sampler.

usage: desktop-sample.py PID VCPU_PREFIX DISPLAY_THREADS -- VIEWER...
Runs VIEWER, reads /proc/PID/task/*/schedstat (nanoseconds on a CPU) when it
prints "measure: start" (at once if it never does, as sleep) and when it ends,
and prints one JSON object: the viewer's last line, the wall time, and
the CPU of the threads outside the vCPUs and of the display threads (comma-separated
names), both in ms per second of wall time.
"""
import json, os, subprocess, sys, time


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            ns = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except OSError:
            continue
        out[tid] = (comm, ns)
    return out


def main():
    pid, vcpu_prefix, display = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    viewer = sys.argv[sys.argv.index("--") + 1:]
    p = subprocess.Popen(viewer, stdout=subprocess.PIPE, text=True)
    lines = []
    before, t0 = threads(pid), time.monotonic()
    for line in p.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("measure: start"):
            before, t0 = threads(pid), time.monotonic()
    status = p.wait(timeout=600)
    after, wall = threads(pid), time.monotonic() - t0
    def delta(pred):
        return sum(ns - before.get(tid, (comm, 0))[1]
                   for tid, (comm, ns) in after.items() if pred(comm)) / 1e6
    print(json.dumps({
        "viewer": lines[-1] if lines else "", "status": status, "wall_s": wall,
        "non_vcpu_ms_per_s": delta(lambda c: not c.startswith(vcpu_prefix)) / wall,
        "display_ms_per_s": delta(lambda c: c in display) / wall,
    }))


main()
