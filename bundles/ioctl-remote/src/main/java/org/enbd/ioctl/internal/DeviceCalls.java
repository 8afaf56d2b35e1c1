package org.enbd.ioctl.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.ioctl.Descriptor;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlPolicy;
import org.enbd.ioctl.IoctlTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One export's remote ioctls: checks each call against the table and the export's policy, and runs it on the
 * feature's thread on a descriptor of the device opened for the call (read-write unless the export is read-only,
 * non-blocking so that a drive without a disc opens).
 */
final class DeviceCalls {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceCalls.class);

    private final String where;
    private final String device;
    private final boolean readOnly;
    private final IoctlTable table;
    private final IoctlPolicy policy;
    private final Executor thread;

    DeviceCalls(String where, String device, boolean readOnly, IoctlTable table, IoctlPolicy policy,
                Executor thread) {
        this.where = where;
        this.device = device;
        this.readOnly = readOnly;
        this.table = table;
        this.policy = policy;
        this.thread = thread;
    }

    IoctlTable table() {
        return table;
    }

    IoctlPolicy policy() {
        return policy;
    }

    /**
     * The table's entry for a call the export allows.
     *
     * @throws NbdException EINVAL for an ioctl the table does not know, EPERM (logged) for one not allowed
     */
    Ioctl check(IoctlControl.Request request, String peer) throws NbdException {
        Ioctl ioctl = table.named(request.name()).orElseThrow(() -> new NbdException(NbdError.EINVAL,
                "ioctl " + request.name() + " is not one ENBD-J knows"));
        if (!policy.allows(ioctl)) {
            LOG.warn("{}: ioctl {} from {} refused: not allowed by {}", where, ioctl.name(), peer, policy);
            throw new NbdException(NbdError.EPERM, where + " does not allow " + ioctl.name() + " (" + policy + ")");
        }
        if (ioctl.marshal().sends() && request.data().length > ioctl.size()) {
            throw new NbdException(NbdError.EINVAL, ioctl.name() + " takes " + ioctl.size() + " bytes, got "
                    + request.data().length);
        }
        return ioctl;
    }

    /** Runs an allowed call on the device, on the feature's thread. */
    CompletionStage<IoctlControl.Reply> run(Ioctl ioctl, IoctlControl.Request request, String peer) {
        CompletableFuture<IoctlControl.Reply> reply = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    reply.complete(runHere(ioctl, request, peer));
                } catch (RuntimeException e) {
                    reply.completeExceptionally(new NbdException(NbdError.EIO, ioctl.name() + " on " + device
                            + " failed: " + e.getMessage(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            reply.completeExceptionally(new NbdException(NbdError.ESHUTDOWN, "the ioctl feature has stopped"));
        }
        return reply;
    }

    private IoctlControl.Reply runHere(Ioctl ioctl, IoctlControl.Request request, String peer) {
        Descriptor descriptor;
        try {
            descriptor = open();
        } catch (Descriptor.Failure e) {
            LOG.info("{}: {} from {}: {}", where, ioctl.name(), peer, e.getMessage());
            return new IoctlControl.Reply(-1, e.errno(), new byte[0]);
        }
        try (descriptor) {
            IoctlControl.Reply reply = descriptor.ioctl(ioctl, request);
            LOG.info("{}: {} from {} on {}: {}", where, request, peer, device, reply);
            return reply;
        }
    }

    private Descriptor open() throws Descriptor.Failure {
        int mode = readOnly ? Descriptor.O_RDONLY : Descriptor.O_RDWR;
        try {
            return Descriptor.open(device, mode | Descriptor.O_NONBLOCK);
        } catch (Descriptor.Failure e) {
            if (mode == Descriptor.O_RDWR && (e.errno() == 30 || e.errno() == 13)) { // EROFS, EACCES: a CD-ROM
                return Descriptor.open(device, Descriptor.O_RDONLY | Descriptor.O_NONBLOCK);
            }
            throw e;
        }
    }
}
