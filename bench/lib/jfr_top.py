#!/usr/bin/env python3
"""Prints where a JFR recording spent its samples: top frames by self time (the leaf frame of each
jdk.ExecutionSample), top ENBD-J/Netty frames by inclusive time, threads by CPU, top allocation sites and
the leaf frames of threads sampled in native code (--lines: with source lines). With --callers TEXT, the commonest stacks (8 frames) of the
Java samples that have a frame containing TEXT, to see who calls a hot frame.
Usage: jfr_top.py [--top N] [--callers TEXT]... RECORDING.jfr"""
import argparse
import collections
import json
import os
import subprocess

EVENTS = "jdk.ExecutionSample,jdk.NativeMethodSample,jdk.ObjectAllocationSample,jdk.ThreadCPULoad,jdk.GarbageCollection"
OURS = ("org.enbd.", "io.netty.")


def frame_name(frame):
    m = frame["method"]
    return f'{m["type"]["name"].replace("/", ".")}.{m["name"]}'


LINES = False


def frames(event):
    st = event["values"].get("stackTrace") or {}
    return [frame_name(f) + (f':{f.get("lineNumber")}' if LINES else "") for f in st.get("frames") or []]


def thread_name(event, field):
    t = event["values"].get(field) or {}
    return t.get("javaName") or t.get("osName") or "?"


def load(path):
    jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "jfr")
    out = subprocess.run([jfr, "print", "--json", "--stack-depth", "64", "--events", EVENTS, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def table(title, counter, total, top, unit="samples"):
    print(f"\n{title} ({total} {unit})")
    for name, n in counter.most_common(top):
        share = 100.0 * n / total if total else 0
        print(f"  {share:5.1f}%  {n:>8}  {name}")


def thread_group(name):
    """Netty loops and virtual thread carriers keep numbered names; group them."""
    for prefix in ("ForkJoinPool-", "enbd-", "epoll", "nioEventLoop", "C2 CompilerThread", "C1 CompilerThread",
                   "GC Thread", "G1 "):
        if name.startswith(prefix):
            return prefix + "*"
    return name.rstrip("0123456789-")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--callers", action="append", default=[])
    ap.add_argument("--lines", action="store_true", help="frames with their source line")
    ap.add_argument("recording")
    args = ap.parse_args()
    global LINES
    LINES = args.lines
    events = load(args.recording)
    by_type = collections.defaultdict(list)
    for e in events:
        by_type[e["type"]].append(e)

    samples = by_type["jdk.ExecutionSample"]
    leaf, inclusive, threads = collections.Counter(), collections.Counter(), collections.Counter()
    for e in samples:
        stack = frames(e)
        if not stack:
            continue
        leaf[stack[0]] += 1
        threads[thread_group(thread_name(e, "sampledThread"))] += 1
        for name in set(stack):
            if name.startswith(OURS):
                inclusive[name] += 1
    table("Java samples by thread", threads, len(samples), args.top)
    table("Top frames, self (leaf of each Java sample)", leaf, len(samples), args.top)
    table("Top ENBD-J and Netty frames, inclusive", inclusive, len(samples), args.top)
    for text in args.callers:
        stacks = collections.Counter()
        for e in samples:
            stack = frames(e)
            hit = next((i for i, f in enumerate(stack) if text in f), None)
            if hit is not None:
                stacks["\n      <- ".join(stack[hit:hit + 8])] += 1
        print(f"\nStacks through {text} ({sum(stacks.values())} of {len(samples)} samples)")
        for stack, n in stacks.most_common(5):
            print(f"  {100.0 * n / len(samples):5.1f}%  {stack}")

    native = by_type["jdk.NativeMethodSample"]
    native_leaf = collections.Counter()
    for e in native:
        stack = frames(e)
        if stack:
            native_leaf[f"{thread_group(thread_name(e, 'sampledThread'))}: {stack[0]}"] += 1
    table("Threads in native code, by leaf frame", native_leaf, len(native), args.top)

    alloc, alloc_total = collections.Counter(), 0
    for e in by_type["jdk.ObjectAllocationSample"]:
        stack = frames(e)
        weight = e["values"].get("weight", 0)
        alloc_total += weight
        site = next((f for f in stack if f.startswith(OURS)), stack[0] if stack else "?")
        cls = (e["values"].get("objectClass") or {}).get("name", "?")
        alloc[f"{cls} at {site}"] += weight
    print(f"\nAllocation (sampled weight {alloc_total / 2**20:.0f} MiB), first ENBD-J/Netty frame")
    for name, w in alloc.most_common(args.top):
        print(f"  {100.0 * w / alloc_total if alloc_total else 0:5.1f}%  {w / 2**20:8.1f} MiB  {name}")

    cpu = collections.defaultdict(list)
    for e in by_type["jdk.ThreadCPULoad"]:
        v = e["values"]
        cpu[thread_group(thread_name(e, "eventThread"))].append(v.get("user", 0) + v.get("system", 0))
    print("\nThread CPU load (mean of jdk.ThreadCPULoad samples; none in recordings under 10 s)")
    for name, loads in sorted(cpu.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))[:args.top]:
        print(f"  {100.0 * sum(loads) / len(loads):6.1f}%  {name}")

    gcs = by_type["jdk.GarbageCollection"]
    print(f"\nGarbage collections: {len(gcs)}")


if __name__ == "__main__":
    main()
