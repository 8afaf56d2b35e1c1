#!/usr/bin/python3
# The "no write applied twice" workload of the netem scenario (aoe-netem-guest.sh), through an NBD endpoint with
# libnbd: REGIONS regions of LENGTH bytes from OFFSET, each rewritten with VERSIONS successive versions, DEPTH of
# them in flight per region (1: the next version only when the previous one was answered; 2: the next one already
# waiting, so ENBD-J's initiator, which holds a write back until every overlapping write before it was answered,
# sends it the moment the previous one's answer arrives, while a copy of the previous one may still be in the
# network), 32 regions at a time. Every 512-byte sector carries a stamp
# (magic, region, version, sector). A duplicated or retransmitted copy of an older version that a target applied
# after a newer one leaves that older version behind if no later version follows: `check` reads the target's file
# and finds it. So only each region's last step is seen, and many regions of 2 versions see more than few regions
# of many versions.
#
#   aoe-rewrites.py write SOCKET OFFSET LENGTH REGIONS VERSIONS DEPTH
#   aoe-rewrites.py check FILE   OFFSET LENGTH REGIONS VERSIONS   exit 0 when every sector holds the last version
#   aoe-rewrites.py read  SOCKET OFFSET LENGTH OUT                  LENGTH bytes from OFFSET into the file OUT,
#                                                                   256 KiB a request, 8 in flight
import struct
import sys
import time

SECTOR = 512
MAGIC = b'ENBD'


def stamp(region, version, length):
    return b''.join(struct.pack('<4sIII', MAGIC, region, version, s) * (SECTOR // 16)
                    for s in range(length // SECTOR))


def write(socket, offset, length, regions, versions, depth, active=32):
    import nbd
    h = nbd.NBD()
    h.connect_uri('nbd+unix:///?socket=' + socket)
    sent = [0] * regions                   # the last version sent, per region
    flight = [[] for _ in range(regions)]  # its writes in flight, oldest first
    busy = []                              # the regions being rewritten, at most `active`
    started = 0

    def more(r):
        while sent[r] < versions and len(flight[r]) < depth:
            sent[r] += 1
            flight[r].append(h.aio_pwrite(stamp(r, sent[r], length), offset + r * length))

    start = time.monotonic()
    while started < regions or busy:
        while started < regions and len(busy) < active:
            more(started)
            busy.append(started)
            started += 1
        h.poll(-1)
        for r in list(busy):
            done = [c for c in flight[r] if h.aio_command_completed(c)]  # raises if a write failed
            if done:
                flight[r] = [c for c in flight[r] if c not in done]
                more(r)
                if not flight[r]:
                    busy.remove(r)
    h.flush()
    h.shutdown()
    took = time.monotonic() - start
    print('RESULT rewrites %d writes of %d bytes (%d regions x %d versions, %d in flight per region, %d regions '
          'at once) in %.1f s, %.0f writes/s' % (regions * versions, length, regions, versions, depth, active, took,
                                                 regions * versions / took))


def check(path, offset, length, regions, versions):
    with open(path, 'rb') as f:
        f.seek(offset)
        data = f.read(regions * length)
    stale = []
    for r in range(regions):
        for s in range(length // SECTOR):
            at = r * length + s * SECTOR
            magic, region, version, sector = struct.unpack_from('<4sIII', data, at)
            whole = data[at:at + SECTOR] == struct.pack('<4sIII', magic, region, version, sector) * (SECTOR // 16)
            if magic != MAGIC or region != r or sector != s or not whole:
                stale.append('region %d sector %d: not a stamp of its own' % (r, s))
            elif version != versions:
                stale.append('region %d sector %d: version %d, not %d' % (r, s, version, versions))
    for line in stale[:10]:
        print('  ' + line)
    print('RESULT final versions: %d of %d sectors hold the last version %d'
          % (regions * (length // SECTOR) - len(stale), regions * (length // SECTOR), versions))
    return not stale


def read(socket, offset, length, out):
    import nbd
    h = nbd.NBD()
    h.connect_uri('nbd+unix:///?socket=' + socket)
    chunk = 256 << 10
    buffers = {}
    for at in range(offset, offset + length, chunk):
        while h.aio_in_flight() >= 8:
            h.poll(-1)
        b = nbd.Buffer(min(chunk, offset + length - at))
        buffers[at] = (b, h.aio_pread(b, at))
    while h.aio_in_flight() > 0:
        h.poll(-1)
    with open(out, 'wb') as f:
        for at in sorted(buffers):
            b, cookie = buffers[at]
            h.aio_command_completed(cookie)  # raises if the read failed
            f.write(b.to_bytearray())
    h.shutdown()


if __name__ == '__main__':
    mode, where = sys.argv[1], sys.argv[2]
    if mode == 'read':
        read(where, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        sys.exit(0)
    numbers = [int(a) for a in sys.argv[3:]]
    if mode == 'write':
        write(where, *numbers)
    else:
        sys.exit(0 if check(where, *numbers) else 1)
