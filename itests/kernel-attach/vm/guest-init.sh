#!/.bb/busybox sh
# /init of the ENBD-J test guest: mounts the host's /usr and /etc, the kernel's modules, the repo and the JDK
# over 9p, then runs /ctl/guest.sh with bash and reports its exit status through the rw control share.
BB=/.bb/busybox
$BB mkdir -p /proc /sys /dev /tmp /run /usr /etc /opt/jdk /repo /ctl /root /mnt
$BB mount -t proc proc /proc
$BB mount -t sysfs sys /sys
$BB mount -t devtmpfs dev /dev
$BB mkdir -p /dev/pts /dev/shm
$BB mount -t devpts devpts /dev/pts
$BB mount -t tmpfs tmpfs /dev/shm
$BB mount -t tmpfs -o mode=1777 tmpfs /tmp
$BB mount -t tmpfs -o mode=755 tmpfs /run
for m in $($BB cat /.mods/order); do $BB insmod /.mods/$m 2>/dev/null; done
KVER=$($BB sed -n 's/.*enbd\.kver=\([^ ]*\).*/\1/p' /proc/cmdline)
# the repo also appears at its host path, so class paths and AOT caches made on the host are valid here
REPO_PATH=$($BB sed -n 's/.*enbd\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
p9() { $BB mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,$3 "$1" "$2"; }
fail() { echo "guest-init: $*"; $BB sync; $BB poweroff -f; }
p9 usr /usr ro,cache=loose || fail "cannot mount /usr"
p9 etc /etc ro,cache=loose || fail "cannot mount /etc"
p9 ctl /ctl cache=mmap || fail "cannot mount the control share"
p9 repo /repo ro,cache=loose || fail "cannot mount the repo"
if [ -n "$REPO_PATH" ] && [ "$REPO_PATH" != /repo ]; then
    $BB mkdir -p "$REPO_PATH" && $BB mount --bind /repo "$REPO_PATH"
fi
p9 jdk /opt/jdk ro,cache=loose 2>/dev/null
# merged /usr: /bin, /sbin, /lib64 are links; /lib is local so the guest kernel's modules can sit in it
$BB ln -s usr/bin /bin; $BB ln -s usr/sbin /sbin; $BB ln -s usr/lib64 /lib64
$BB mkdir -p /lib/modules/$KVER
for e in /usr/lib/*; do [ "$e" = /usr/lib/modules ] || $BB ln -s "$e" /lib/; done
p9 mods /lib/modules/$KVER ro,cache=loose || fail "cannot mount the module tree"
$BB ip link set lo up
$BB hostname enbd-guest
export PATH=/opt/jdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin JAVA_HOME=/opt/jdk HOME=/root TERM=dumb
cd /tmp
/usr/bin/bash -c 'eval "exec /usr/bin/bash /ctl/guest.sh $(cat /ctl/args)"' </dev/null >/dev/console 2>&1
echo $? > /ctl/status
$BB sync
$BB umount /ctl
$BB poweroff -f
