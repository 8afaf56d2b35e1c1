#!/usr/bin/python3
"""Issues ioctls on ENBD-J's CUSE control node with fcntl.ioctl, as any program would, and compares each answer
with the same ioctl on the server's real device. Prints "CHECK name: ok|FAILED ..." per check.

    cuse-ioctls.py NODE DEVICE [CD_NODE CD_DEVICE]
"""
import errno
import fcntl
import os
import struct
import sys

node, device = sys.argv[1], sys.argv[2]
BLKROGET = 0x125E
BLKSSZGET = 0x1268
BLKPBSZGET = 0x127B
BLKGETSIZE64 = 0x80081272
CDROM_DRIVE_STATUS = 0x5326  # in the table, not allowed by ioctls=block
TCGETS = 0x5401              # no ioctl of the table


def check(name, ok, detail=""):
    print(f"CHECK {name}: {'ok' if ok else 'FAILED ' + detail}", flush=True)


def out(fd, request, fmt):
    buf = bytearray(struct.calcsize(fmt))
    result = fcntl.ioctl(fd, request, buf, True)
    return result, struct.unpack(fmt, buf)[0]


def refused(fd, request, arg):
    try:
        fcntl.ioctl(fd, request, arg)
    except OSError as e:
        return e.errno
    return 0


ctl = os.open(node, os.O_RDWR)
real = os.open(device, os.O_RDONLY)
for name, request, fmt in (("BLKGETSIZE64", BLKGETSIZE64, "Q"), ("BLKSSZGET", BLKSSZGET, "i"),
                           ("BLKPBSZGET", BLKPBSZGET, "I"), ("BLKROGET", BLKROGET, "i")):
    try:
        got = out(ctl, request, fmt)
        want = out(real, request, fmt)
        print(f"RESULT {name} node={got[1]} device={want[1]}", flush=True)
        check(name.lower() + "-equal", got == want, f"node {got}, device {want}")
    except OSError as e:
        check(name.lower() + "-equal", False, f"OSError {e}")
e = refused(ctl, CDROM_DRIVE_STATUS, 0)
check("not-allowed-eperm", e == errno.EPERM, f"errno {e}")
e = refused(ctl, TCGETS, bytearray(60))
check("unknown-enotty", e == errno.ENOTTY, f"errno {e}")
# the node stays usable after refusals, and a second open is another handle
ctl2 = os.open(node, os.O_RDONLY)
check("second-open", out(ctl2, BLKGETSIZE64, "Q") == out(real, BLKGETSIZE64, "Q"))
os.close(ctl2)
os.close(ctl)
os.close(real)

if len(sys.argv) > 4:
    # a CD-ROM (scsi_debug) exported with ioctls=cdrom: by-value and no-argument ioctls, answered by the drive
    CDROM_DISC_STATUS = 0x5327
    CDROM_GET_CAPABILITY = 0x5331
    CDSL_CURRENT = 0x7FFFFFFF
    cd = os.open(sys.argv[3], os.O_RDONLY)
    drive = os.open(sys.argv[4], os.O_RDONLY | os.O_NONBLOCK)
    for name, request, arg in (("CDROM_DRIVE_STATUS", CDROM_DRIVE_STATUS, CDSL_CURRENT),
                               ("CDROM_DISC_STATUS", CDROM_DISC_STATUS, 0),
                               ("CDROM_GET_CAPABILITY", CDROM_GET_CAPABILITY, 0)):
        try:
            got, want = fcntl.ioctl(cd, request, arg), fcntl.ioctl(drive, request, arg)
            print(f"RESULT {name} node={got} device={want}", flush=True)
            check("cd-" + name.lower() + "-equal", got == want, f"node {got}, device {want}")
        except OSError as e:
            check("cd-" + name.lower() + "-equal", False, f"OSError {e}")
    e = refused(cd, BLKGETSIZE64, bytearray(8))
    check("cd-block-not-allowed-eperm", e == errno.EPERM, f"errno {e}")
    os.close(drive)  # the drive ejects only for its one opener: the server's
    CDROMEJECT = 0x5309
    try:
        check("cd-eject", fcntl.ioctl(cd, CDROMEJECT, 0) == 0)
    except OSError as e:
        check("cd-eject", False, f"OSError {e}")
    got = fcntl.ioctl(cd, CDROM_DRIVE_STATUS, CDSL_CURRENT)
    drive = os.open(sys.argv[4], os.O_RDONLY | os.O_NONBLOCK)
    want = fcntl.ioctl(drive, CDROM_DRIVE_STATUS, CDSL_CURRENT)
    print(f"RESULT CDROM_DRIVE_STATUS after eject node={got} device={want}", flush=True)
    check("cd-tray-open-seen", got == want == 2, f"node {got}, device {want} (2: CDS_TRAY_OPEN)")
    os.close(drive)
    os.close(cd)
