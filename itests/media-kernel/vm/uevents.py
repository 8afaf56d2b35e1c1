# Prints the kernel's uevents for block devices (what `udevadm monitor --kernel` shows; the guest has no udev),
# one line each: ACTION@DEVPATH then KEY=VALUE pairs, flushed at once.
import socket
import sys

NETLINK_KOBJECT_UEVENT = 15
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
s.bind((0, 1))  # group 1: the kernel's own events
with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        fields = [f.decode(errors="replace") for f in s.recv(65536).split(b"\0") if f]
        if fields and "/block/" in fields[0]:
            out.write(" ".join(fields) + "\n")
