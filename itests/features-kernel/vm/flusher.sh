# flusher.sh, sourced by the guest scripts: flusher PROGRAM ARGS... execs PROGRAM (call it in a subshell or in the
# background) as an I/O flusher from its first thread on: prctl(PR_SET_IO_FLUSHER, 1) before the exec, a flag that
# survives execve and that every thread inherits (PF_MEMALLOC_NOIO). So none of a JVM's threads (JIT compilers, GC,
# malloc, whatever maps memory, which MCL_FUTURE populates at once) reclaims memory by writing to the swap device it
# serves and waiting for that. The JVM cannot set it on its own threads: they exist before its main method.
flusher() {
    exec python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
one, zero = ctypes.c_ulong(1), ctypes.c_ulong(0)
if libc.prctl(57, one, zero, zero, zero) != 0:
    sys.exit("prctl(PR_SET_IO_FLUSHER): " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}
