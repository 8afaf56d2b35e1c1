#!/usr/bin/python3
"""The power cut's writer and checker (libnbd's Python module; the checker reads the virtio disks directly).

  power-cut-writer.py write URI_ALWAYS URI_NONE CUT   writes numbered blocks to both exports in turn, one
      synchronous write at a time (no FUA, no FLUSH: what is durable is the sync feature's choice), prints
      "ACK EXPORT N" once the server has answered block N, "POWER-CUT-NOW" after block CUT of both, and writes on
      until the host kills the VM (exit 1 if it is still alive 120 s later)
  power-cut-writer.py check DEVICE EXPORT ACKED       compares blocks 0..ACKED of DEVICE with what was written and
      prints "RESULT EXPORT acked=N intact=N lost=N first-lost=N"
"""
import sys
import time

BLOCK = 64 * 1024


def block(export, n):
    stamp = ("%s-%08d|" % (export, n)).encode()
    return (stamp * (BLOCK // len(stamp) + 1))[:BLOCK]


def write(uri_always, uri_none, cut):
    import nbd
    handles = []
    for name, uri in (("always", uri_always), ("none", uri_none)):
        h = nbd.NBD()
        h.connect_uri(uri)
        handles.append((name, h))
    n = 0
    deadline = None
    while True:
        if n * BLOCK >= min(h.get_size() for _, h in handles):
            n = cut + 1  # wrap past the checked range: keep writing until killed
        for name, h in handles:
            h.pwrite(block(name, n), n * BLOCK)
            print("ACK %s %d" % (name, n), flush=True)
        if n == cut:
            print("POWER-CUT-NOW", flush=True)
            deadline = time.monotonic() + 120
        if deadline is not None and time.monotonic() > deadline:
            print("power-cut-writer: still alive 120 s after POWER-CUT-NOW", flush=True)
            return 1
        n += 1


def check(device, export, acked):
    lost = []
    with open(device, "rb") as disk:
        for n in range(acked + 1):
            disk.seek(n * BLOCK)
            if disk.read(BLOCK) != block(export, n):
                lost.append(n)
    print("RESULT %s acked=%d intact=%d lost=%d first-lost=%s" % (export, acked + 1, acked + 1 - len(lost),
          len(lost), lost[0] if lost else "-"), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "write":
        sys.exit(write(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    sys.exit(check(sys.argv[2], sys.argv[3], int(sys.argv[4])))
