#!/usr/bin/python3
"""Memory pressure for the swap scenario: allocates MIB chunks of 1 MiB and touches every page, each 4 KiB page
stamped with its chunk number and its page number over a filler, then reads the chunks back and compares. Prints
progress and one summary line; exits 1 when a page came back wrong (lost or misplaced on its way through swap).

    pressure.py MIB [EVERY]

EVERY (1): every chunk is compared whole; with N, every Nth chunk whole and the others by their first page (their
stamp), so the read-back swaps in 1/N of what went out (a full read-back of a swapped-out program is a random
read of every page, slow under emulation)."""
import array
import sys
import time

CHUNK, PAGE = 1 << 20, 4096
WORDS = PAGE // 8  # 8-byte words per page


def base():
    """One chunk's filler with each page's number in its second word; the first word gets the chunk's number."""
    words = array.array("Q", ((w * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF for w in range(CHUNK // 8)))
    words[1::WORDS] = array.array("Q", range(CHUNK // PAGE))
    return words.tobytes()


BASE = base()


def chunk(i):
    data = bytearray(BASE)
    memoryview(data).cast("Q")[0::WORDS] = array.array("Q", [i]) * (CHUNK // PAGE)
    return data


def first_page(i):
    data = bytearray(BASE[:PAGE])
    memoryview(data).cast("Q")[0] = i
    return data


def swap_used_mib():
    info = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    return (int(info["SwapTotal"].split()[0]) - int(info["SwapFree"].split()[0])) // 1024


def main():
    mib = int(sys.argv[1])
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.monotonic()
    chunks = []
    peak = 0
    for i in range(mib):
        chunks.append(chunk(i))
        if i % 128 == 127:
            peak = max(peak, swap_used_mib())
            print(f"pressure: {i + 1} MiB touched, swap in use {peak} MiB, {time.monotonic() - start:.1f} s",
                  flush=True)
    written = time.monotonic() - start
    peak = max(peak, swap_used_mib())
    bad = [i for i in range(mib) if (chunks[i] != chunk(i) if i % every == 0 else chunks[i][:PAGE] != first_page(i))]
    checked = time.monotonic() - start - written
    print(f"pressure: {mib} MiB allocated and touched in {written:.1f} s, read back in {checked:.1f} s, "
          f"swap in use at most {peak} MiB, chunks wrong: {len(bad)} {bad[:8]} (1 chunk in {every} compared whole, the "
          f"others by their first page)", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
