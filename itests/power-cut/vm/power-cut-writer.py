#!/usr/bin/python3
"""The power cut's writer and checker (libnbd's Python module; the checker reads the virtio disks directly).

  power-cut-writer.py write URI_BASE CUT   writes numbered blocks to the exports always, fua and none under
      URI_BASE in turn, one synchronous write at a time, prints "ACK EXPORT N" once the server has answered block N,
      "POWER-CUT-NOW" after block CUT of each, and writes on until the host kills the VM (exit 1 if it is still
      alive 120 s later). No FLUSH ever, and no FUA but on the first half (blocks 0..CUT/2-1) of fua: what is
      durable is the sync feature's choice.
  power-cut-writer.py check DEVICE EXPORT FIRST LAST   compares blocks FIRST..LAST of DEVICE with what was written
      and prints "RESULT EXPORT FIRST..LAST acked=N intact=N lost=N first-lost=N"
"""
import sys
import time

BLOCK = 64 * 1024


def block(export, n):
    stamp = ("%s-%08d|" % (export, n)).encode()
    return (stamp * (BLOCK // len(stamp) + 1))[:BLOCK]


def write(uri_base, cut):
    import nbd
    handles = []
    for name in ("always", "fua", "none"):
        h = nbd.NBD()
        h.connect_uri(uri_base + name)
        handles.append((name, h))
    n = 0
    deadline = None
    while True:
        if n * BLOCK >= min(h.get_size() for _, h in handles):
            n = cut + 1  # wrap past the checked range: keep writing until killed
        for name, h in handles:
            fua = name == "fua" and n < cut // 2
            h.pwrite(block(name, n), n * BLOCK, nbd.CMD_FLAG_FUA if fua else 0)
            print("ACK %s %d" % (name, n), flush=True)
        if n == cut:
            print("POWER-CUT-NOW", flush=True)
            deadline = time.monotonic() + 120
        if deadline is not None and time.monotonic() > deadline:
            print("power-cut-writer: still alive 120 s after POWER-CUT-NOW", flush=True)
            return 1
        n += 1


def check(device, export, first, last):
    lost = []
    with open(device, "rb") as disk:
        for n in range(first, last + 1):
            disk.seek(n * BLOCK)
            if disk.read(BLOCK) != block(export, n):
                lost.append(n)
    acked = last + 1 - first
    print("RESULT %s %d..%d acked=%d intact=%d lost=%d first-lost=%s" % (export, first, last, acked,
          acked - len(lost), len(lost), lost[0] if lost else "-"), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "write":
        sys.exit(write(sys.argv[2], int(sys.argv[3])))
    sys.exit(check(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
