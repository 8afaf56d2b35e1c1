package org.enbd.transport.raw.initiator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.transport.raw.aoe.AoeCommand;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.aoe.AtaCommand;
import org.enbd.transport.raw.aoe.MalformedFrameException;
import org.enbd.transport.raw.packet.MacAddress;
import org.enbd.transport.raw.target.FrameSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AoE initiator for one device, {@code eSHELF.SLOT}, as ENBD's client engine treats a server: several frames in
 * flight (a window, lowered to the target's buffer count), a retransmission timer that follows the round trip,
 * stale-write fencing (a frame that overlaps an unanswered write waits for it, and a write waits for every
 * unanswered frame it overlaps, so a late copy of an old write can never follow a newer one; the copies
 * themselves carry the same tag, which ENBD-J's target recognises), and waiting instead of failing while the
 * target answers nothing (config queries go out to broadcast until one answers, from the same address or
 * another: failover), up to the dead time.
 *
 * <p>One engine thread, owned and joined, holds all state. Submitters hand requests in through a queue and the
 * receiver thread hands frames in the same way, so no caller ever waits for a lock; request stages complete on
 * the engine thread.
 */
public final class AoeInitiator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AoeInitiator.class);
    static final int SECTOR = AoeMessage.Ata.SECTOR;

    /** What the config query found: the target's address, what it takes per frame and in flight. */
    public record Target(MacAddress mac, int sectorsPerFrame, int bufferCount) {
    }

    /** One command of a request, in one frame. */
    private static final class Frame {
        final Request request;
        final AtaCommand command;
        final long lba;
        final int sectors;
        final int offsetInRequest;
        final ByteBuffer data;
        int tag;
        int sends;
        long sentAt;
        long deadline;

        Frame(Request request, AtaCommand command, long lba, int sectors, int offsetInRequest, ByteBuffer data) {
            this.request = request;
            this.command = command;
            this.lba = lba;
            this.sectors = sectors;
            this.offsetInRequest = offsetInRequest;
            this.data = data;
        }

        boolean write() {
            return command.isWrite();
        }

        boolean overlaps(Frame other) {
            return sectors > 0 && other.sectors > 0 && lba < other.lba + other.sectors && other.lba < lba + sectors;
        }
    }

    /** A request split into frames; completes when its last frame is answered. */
    static final class Request {
        final AtaCommand command;
        final long lba;
        final int sectors;
        final byte[] data;
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        /** What a read or IDENTIFY collects, made on its first answer. */
        byte[] result;
        int remaining;

        Request(AtaCommand command, long lba, int sectors, byte[] data) {
            this.command = command;
            this.lba = lba;
            this.sectors = sectors;
            this.data = data;
        }
    }

    private final MacAddress own;
    private final int shelf;
    private final int slot;
    private final int ourSectorsPerFrame;
    private final InitiatorOptions options;
    private final FrameSink sink;
    private final String device;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ByteBuffer> received = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Target> discovered = new CompletableFuture<>();
    private final Thread engine;
    private volatile boolean running = true;

    // engine thread only
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private final Map<Integer, Frame> outstanding = new HashMap<>();
    private final RoundTrip roundTrip;
    private Target target;
    private int window;
    private int nextTag = 1;
    private long lastHeard;
    private long nextQuery;
    private boolean silent;

    // read by status
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong strayResponses = new AtomicLong();
    private volatile long smoothedRttNanos = -1;
    private volatile String state = "discovering";

    /**
     * Starts the engine thread; it queries the config of {@code eSHELF.SLOT} at once and again until a target
     * answers ({@link #target()}).
     *
     * @param mtu the initiator's interface MTU: frames never carry more than (MTU - 36) / 512 sectors
     */
    public AoeInitiator(MacAddress own, int mtu, int shelf, int slot, FrameSink sink, InitiatorOptions options) {
        this.own = own;
        this.shelf = shelf;
        this.slot = slot;
        this.ourSectorsPerFrame = AoeFrames.sectorsPerFrame(mtu);
        if (ourSectorsPerFrame < 1) {
            throw new IllegalArgumentException("MTU " + mtu + " carries no sector");
        }
        this.sink = sink;
        this.options = options;
        this.device = "e" + shelf + "." + slot;
        this.roundTrip = new RoundTrip(options.minimumRto().toNanos(), options.maximumRto().toNanos());
        this.engine = Thread.ofPlatform().name("enbd-aoe-initiator-" + device).daemon().start(this::run);
    }

    /** Completes when a target has answered the config query. */
    public CompletableFuture<Target> target() {
        return discovered;
    }

    public String device() {
        return device;
    }

    /** Hands a received frame (Ethernet header first) to the engine. Never blocks. */
    public void receive(ByteBuffer frame) {
        received.add(frame);
        LockSupport.unpark(engine);
    }

    /** Reads {@code sectors} sectors from {@code lba}; completes with their bytes. */
    public CompletableFuture<byte[]> read(long lba, int sectors) {
        return submit(new Request(AtaCommand.READ_SECTORS_EXT, lba, sectors, null));
    }

    /** Writes {@code data} (a whole number of sectors, kept by the initiator) at {@code lba}. */
    public CompletableFuture<byte[]> write(long lba, byte[] data) {
        if (data.length % SECTOR != 0) {
            throw new IllegalArgumentException("a write of " + data.length + " bytes is not whole sectors");
        }
        return submit(new Request(AtaCommand.WRITE_SECTORS_EXT, lba, data.length / SECTOR, data));
    }

    /** FLUSH CACHE EXT. */
    public CompletableFuture<byte[]> flush() {
        return submit(new Request(AtaCommand.FLUSH_CACHE_EXT, 0, 0, null));
    }

    /** IDENTIFY DEVICE; completes with its 512 bytes. */
    public CompletableFuture<byte[]> identify() {
        return submit(new Request(AtaCommand.IDENTIFY_DEVICE, 0, 1, null));
    }

    private CompletableFuture<byte[]> submit(Request request) {
        if (!running) {
            request.done.completeExceptionally(new NbdException(NbdError.ESHUTDOWN, device + " is closed"));
            return request.done;
        }
        submitted.add(request);
        LockSupport.unpark(engine);
        return request.done;
    }

    /** Figures for the status: frames, retransmissions, stray responses, the round trip, the state. */
    public Map<String, Object> counters() {
        return Map.of("framesSent", framesSent.get(), "retransmissions", retransmissions.get(),
                "strayResponses", strayResponses.get(), "smoothedRttMicros", smoothedRttNanos / 1000,
                "state", state);
    }

    // ---- the engine thread

    private void run() {
        lastHeard = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            ByteBuffer frame;
            while ((frame = received.poll()) != null) {
                handle(frame, now);
            }
            Request request;
            while ((request = submitted.poll()) != null) {
                split(request);
            }
            now = System.nanoTime();
            retransmit(now);
            checkSilence(now);
            pump(now);
            long wake = nextDeadline(now);
            if (received.isEmpty() && submitted.isEmpty()) {
                LockSupport.parkNanos(this, Math.max(wake - System.nanoTime(), 1000));
            }
        }
        NbdException closed = new NbdException(NbdError.ESHUTDOWN, device + " is closed");
        outstanding.values().forEach(f -> f.request.done.completeExceptionally(closed));
        waiting.forEach(f -> f.request.done.completeExceptionally(closed));
        Request left;
        while ((left = submitted.poll()) != null) {
            left.done.completeExceptionally(closed);
        }
        discovered.completeExceptionally(closed);
    }

    private void split(Request request) {
        if (request.sectors == 0 || !request.command.transfersData()) {
            request.remaining = 1;
            waiting.add(new Frame(request, request.command, request.lba, 0, 0, ByteBuffer.allocate(0)));
            return;
        }
        int perFrame = target == null ? ourSectorsPerFrame : target.sectorsPerFrame();
        request.remaining = (request.sectors + perFrame - 1) / perFrame;
        for (int done = 0; done < request.sectors; done += perFrame) {
            int count = Math.min(perFrame, request.sectors - done);
            ByteBuffer data = request.data == null ? ByteBuffer.allocate(0)
                    : ByteBuffer.wrap(request.data, done * SECTOR, count * SECTOR).slice();
            waiting.add(new Frame(request, request.command, request.lba + done, count, done * SECTOR, data));
        }
    }

    /** Sends waiting frames while the window has room and fencing allows, in order. */
    private void pump(long now) {
        if (target == null) {
            return;
        }
        List<Frame> held = new ArrayList<>();
        Iterator<Frame> it = waiting.iterator();
        while (it.hasNext() && outstanding.size() < window) {
            Frame frame = it.next();
            if (frame.request.done.isDone()) {
                it.remove(); // its request failed already
                continue;
            }
            if (fenced(frame, outstanding.values()) || fenced(frame, held)) {
                held.add(frame);
                continue;
            }
            it.remove();
            frame.tag = nextTag++;
            outstanding.put(frame.tag, frame);
            send(frame, now);
        }
    }

    /** A frame waits for an earlier one it overlaps when either writes. */
    private static boolean fenced(Frame frame, Iterable<Frame> earlier) {
        for (Frame other : earlier) {
            if ((frame.write() || other.write()) && frame.overlaps(other)) {
                return true;
            }
        }
        return false;
    }

    private void send(Frame frame, long now) {
        frame.sends++;
        frame.sentAt = now;
        frame.deadline = now + roundTrip.timeout(frame.sends);
        int aflags = (frame.command.isExtended() ? AoeMessage.Ata.FLAG_EXTENDED : 0)
                | (frame.write() ? AoeMessage.Ata.FLAG_WRITE : 0);
        AoeMessage.Ata message = new AoeMessage.Ata(
                AoeHeader.request(target.mac(), own, shelf, slot, AoeCommand.ATA, frame.tag), aflags, 0,
                frame.command == AtaCommand.IDENTIFY_DEVICE ? 1 : frame.sectors, frame.command.value(), frame.lba,
                frame.data);
        transmit(AoeFrames.encode(message));
        framesSent.incrementAndGet();
        if (frame.sends > 1) {
            retransmissions.incrementAndGet();
        }
    }

    private void retransmit(long now) {
        boolean expired = false;
        for (Frame frame : outstanding.values()) {
            if (now - frame.deadline >= 0) {
                if (!expired) {
                    roundTrip.expired(); // once per pass: frames timed out together by one pause back off once
                    expired = true;
                }
                send(frame, now);
            }
        }
    }

    /** While the target is silent (or not found yet), ask who serves the device, to broadcast. */
    private void checkSilence(long now) {
        boolean waitingForAnswers = target == null || !outstanding.isEmpty();
        long silence = now - lastHeard;
        if (target != null && waitingForAnswers && silence > options.maximumRto().toNanos() && !silent) {
            silent = true;
            state = "target " + target.mac() + " silent";
            LOG.warn("AoE {}: target {} silent; asking again who serves it", device, target.mac());
        }
        if ((target == null || silent) && now - nextQuery >= 0) {
            query();
            nextQuery = now + (target == null ? Math.min(options.maximumRto().toNanos(), 100_000_000L)
                    : options.maximumRto().toNanos());
        }
        long dead = options.deadTime().toNanos();
        if (dead > 0 && waitingForAnswers && silence > dead) {
            NbdException gone = new NbdException(NbdError.EIO, "AoE " + device + ": no answer for "
                    + options.deadTime().toSeconds() + " s");
            outstanding.values().forEach(f -> f.request.done.completeExceptionally(gone));
            outstanding.clear();
            waiting.forEach(f -> f.request.done.completeExceptionally(gone));
            waiting.clear();
            lastHeard = now; // later requests get a dead time of their own
        }
    }

    private void query() {
        AoeMessage.Config query = new AoeMessage.Config(
                AoeHeader.request(MacAddress.BROADCAST, own, shelf, slot, AoeCommand.CONFIG, 0), 0, 0, 0,
                AoeHeader.VERSION, 0, new byte[0]);
        transmit(AoeFrames.encode(query));
    }

    private long nextDeadline(long now) {
        long wake = now + options.maximumRto().toNanos();
        for (Frame frame : outstanding.values()) {
            if (frame.deadline - wake < 0) {
                wake = frame.deadline;
            }
        }
        if ((target == null || silent) && nextQuery - wake < 0) {
            wake = nextQuery;
        }
        return wake;
    }

    private void handle(ByteBuffer frame, long now) {
        AoeMessage message;
        try {
            message = AoeFrames.decode(frame);
        } catch (MalformedFrameException e) {
            return;
        }
        AoeHeader header = message.header();
        boolean toUs = header.destination().equals(own)
                || (message instanceof AoeMessage.Config && header.destination().isBroadcast()); // announcements
        if (!header.response() || !toUs || header.shelf() != shelf || header.slot() != slot) {
            return;
        }
        switch (message) {
            case AoeMessage.Config config -> found(config, now);
            case AoeMessage.Ata ata -> answered(ata.header(), ata, now);
            case AoeMessage.Unsupported error -> answered(header, null, now);
        }
    }

    private void found(AoeMessage.Config config, long now) {
        if (config.header().error()) {
            return;
        }
        MacAddress mac = config.header().source();
        int perFrame = Math.min(ourSectorsPerFrame, config.sectorsPerFrame());
        if (perFrame < 1) {
            LOG.warn("AoE {}: target {} takes no sector per frame; ignored", device, mac);
            return;
        }
        lastHeard = now;
        if (target != null && target.mac().equals(mac) && !silent) {
            return;
        }
        if (target != null && !target.mac().equals(mac)) {
            LOG.warn("AoE {}: now served by {} (was {})", device, mac, target.mac());
        } else if (silent) {
            LOG.info("AoE {}: target {} answers again", device, mac);
        }
        // frames already split for a larger frame size stay as they are only if the new target takes them
        int keep = target == null ? perFrame : Math.min(perFrame, target.sectorsPerFrame());
        target = new Target(mac, keep, config.bufferCount());
        window = Math.max(1, Math.min(options.window(), config.bufferCount() == 0 ? options.window()
                : config.bufferCount()));
        silent = false;
        state = "up: " + mac;
        discovered.complete(target);
        long at = System.nanoTime();
        outstanding.values().forEach(f -> send(f, at)); // to the new address at once
    }

    private void answered(AoeHeader header, AoeMessage.Ata ata, long now) {
        Frame frame = outstanding.get(header.tag());
        if (frame == null || (target != null && !header.source().equals(target.mac()))) {
            strayResponses.incrementAndGet(); // the answer to a copy, after the first answer
            return;
        }
        lastHeard = now;
        if (silent) {
            silent = false;
            state = "up: " + target.mac();
        }
        int expected = frame.command == AtaCommand.IDENTIFY_DEVICE ? SECTOR
                : frame.write() ? 0 : frame.sectors * SECTOR;
        if (ata != null && !header.error() && (ata.commandStatus() & AtaCommand.STATUS_ERR) == 0
                && ata.data().remaining() < expected) {
            strayResponses.incrementAndGet(); // a truncated answer: the copy's answer may be whole
            return;
        }
        outstanding.remove(header.tag());
        if (frame.sends == 1) {
            roundTrip.sample(now - frame.sentAt);
            smoothedRttNanos = roundTrip.smoothed();
        }
        Request request = frame.request;
        if (request.done.isDone()) {
            return;
        }
        if (header.error()) {
            request.done.completeExceptionally(new NbdException(NbdError.EIO, "AoE " + device + ": target "
                    + header.source() + " refused " + frame.command + " (AoE error " + header.errorCode() + ")"));
            return;
        }
        if ((ata.commandStatus() & AtaCommand.STATUS_ERR) != 0) {
            NbdError error = (ata.errorFeature() & AtaCommand.ERROR_IDNF) != 0 ? NbdError.EINVAL
                    : frame.write() ? NbdError.EPERM : NbdError.EIO;
            request.done.completeExceptionally(new NbdException(error, "AoE " + device + ": " + frame.command
                    + " of " + frame.sectors + " sectors at LBA " + frame.lba + " failed (ATA status 0x"
                    + Integer.toHexString(ata.commandStatus()) + ", error 0x" + Integer.toHexString(ata.errorFeature())
                    + ")"));
            return;
        }
        if (expected > 0) {
            if (request.result == null) {
                request.result = new byte[Math.max(request.sectors, 1) * SECTOR];
            }
            ByteBuffer data = ata.data();
            data.limit(data.position() + expected).get(request.result, frame.offsetInRequest, expected);
        }
        if (--request.remaining == 0) {
            request.done.complete(request.result == null ? new byte[0] : request.result);
        }
    }

    private void transmit(ByteBuffer frame) {
        try {
            sink.send(frame);
        } catch (IOException | RuntimeException e) {
            LOG.debug("AoE {}: a frame was not sent: {}", device, e.getMessage());
        }
    }

    /** Stops the engine thread, joins it, and fails what was still waiting with ESHUTDOWN. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(engine);
        boolean interrupted = false;
        while (engine.isAlive()) {
            try {
                engine.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
