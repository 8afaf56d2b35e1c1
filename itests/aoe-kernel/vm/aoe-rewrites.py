#!/usr/bin/python3
# The "no write applied twice" workload of the netem scenario (aoe-netem-guest.sh), through an NBD endpoint with
# libnbd: REGIONS regions of LENGTH bytes from OFFSET, each rewritten with VERSIONS successive versions, the next
# version of a region sent only when the previous one was answered, every region in flight at once (so the
# initiator has REGIONS writes out, as many frames as its window takes). Every 512-byte sector carries a stamp
# (magic, region, version, sector). A duplicated or retransmitted copy of an older version that a target applied
# after a newer one leaves that older version behind: `check` reads the target's file and finds it.
#
#   aoe-rewrites.py write SOCKET OFFSET LENGTH REGIONS VERSIONS
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


def write(socket, offset, length, regions, versions):
    import nbd
    h = nbd.NBD()
    h.connect_uri('nbd+unix:///?socket=' + socket)
    version = [1] * regions
    cookie = [h.aio_pwrite(stamp(r, 1, length), offset + r * length) for r in range(regions)]
    left = regions
    start = time.monotonic()
    while left:
        h.poll(-1)
        for r in range(regions):
            c = cookie[r]
            if c is None or not h.aio_command_completed(c):  # raises if the write failed
                continue
            if version[r] == versions:
                cookie[r] = None
                left -= 1
            else:
                version[r] += 1
                cookie[r] = h.aio_pwrite(stamp(r, version[r], length), offset + r * length)
    h.flush()
    h.shutdown()
    took = time.monotonic() - start
    print('RESULT rewrites %d writes of %d bytes (%d regions x %d versions) in %.1f s, %.0f writes/s'
          % (regions * versions, length, regions, versions, took, regions * versions / took))


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
    numbers = [int(a) for a in sys.argv[3:7]]
    if mode == 'write':
        write(where, *numbers)
    else:
        sys.exit(0 if check(where, *numbers) else 1)
