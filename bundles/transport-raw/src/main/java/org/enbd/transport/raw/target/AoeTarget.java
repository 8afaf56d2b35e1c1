package org.enbd.transport.raw.target;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.enbd.transport.raw.aoe.AoeCommand;
import org.enbd.transport.raw.aoe.AoeError;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.aoe.AtaCommand;
import org.enbd.transport.raw.aoe.ConfigCommand;
import org.enbd.transport.raw.aoe.MalformedFrameException;
import org.enbd.transport.raw.packet.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AoE target on one interface: answers the config query and the ATA commands of the exports it serves, each
 * as a {@link TargetSlot}, to any number of initiators. {@link #receive} is called by the interface's receiver
 * thread and never blocks: each request goes to the slot's {@code Layer}, and the response is sent from whatever
 * thread completes the request's stage. WRITEs go through {@link RecentWrites} first, so a copy is never applied
 * twice.
 */
public final class AoeTarget {
    private static final Logger LOG = LoggerFactory.getLogger(AoeTarget.class);
    private static final int SECTOR = AoeMessage.Ata.SECTOR;
    private static final long LBA28_MASK = 0x0FFF_FFFFL;
    /** What the config reply says the target can queue; aoe.ko keeps at most this many frames in flight. */
    private static final int BUFFER_COUNT = 64;
    private static final int FIRMWARE = 0x4001;
    private static final String FIRMWARE_TEXT = "ENBDJ1";

    /** A served slot with what changes while it is served: its size and its config string. */
    private static final class Served {
        final TargetSlot slot;
        volatile long sectors;
        final AtomicReference<byte[]> config = new AtomicReference<>(new byte[0]);

        Served(TargetSlot slot) {
            this.slot = slot;
            this.sectors = slot.sectors();
        }
    }

    private final MacAddress own;
    private final int sectorsPerFrame;
    private final FrameSink sink;
    private final RecentWrites recent;
    private final Map<AoeAddress, Served> slots = new ConcurrentHashMap<>();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder lost = new LongAdder();

    /**
     * @param own   the interface's address, the source of every response
     * @param mtu   the interface's MTU: (MTU - 36) / 512 sectors per frame are advertised and accepted
     */
    public AoeTarget(MacAddress own, int mtu, FrameSink sink, RecentWrites recent) {
        this.own = own;
        this.sectorsPerFrame = AoeFrames.sectorsPerFrame(mtu);
        if (sectorsPerFrame < 1) {
            throw new IllegalArgumentException("MTU " + mtu + " carries no sector; AoE needs at least "
                    + (AoeFrames.ATA_HEADERS + SECTOR));
        }
        this.sink = sink;
        this.recent = recent;
    }

    public int sectorsPerFrame() {
        return sectorsPerFrame;
    }

    /** Serves {@code slot} and tells the segment (a config response to broadcast, as vblade does at start). */
    public void serve(TargetSlot slot) {
        AoeAddress at = new AoeAddress(slot.shelf(), slot.slot());
        Served served = new Served(slot);
        if (slots.putIfAbsent(at, served) != null) {
            throw new IllegalArgumentException("AoE address " + at + " is served twice (export '" + slot.name()
                    + "' and export '" + slots.get(at).slot.name() + "')");
        }
        AoeHeader announce = new AoeHeader(MacAddress.BROADCAST, own, AoeHeader.VERSION, true, false, 0,
                slot.shelf(), slot.slot(), AoeCommand.CONFIG.value(), 0);
        send(configResponse(announce, served, ConfigCommand.READ.value()));
    }

    /** Stops serving {@code address}; returns what was served there, to close. */
    public TargetSlot withdraw(AoeAddress address) {
        Served gone = slots.remove(address);
        return gone == null ? null : gone.slot;
    }

    /** The export at {@code address} changed size. */
    public void resize(AoeAddress address, long sectors) {
        Served served = slots.get(address);
        if (served != null) {
            served.sectors = sectors;
        }
    }

    public List<TargetSlot> served() {
        return slots.values().stream().map(s -> s.slot).toList();
    }

    /** Frames dropped as malformed, requests handled, responses the interface dropped, duplicate writes. */
    public Map<String, Long> counters() {
        return Map.of("malformedFrames", malformed.sum(), "requests", requests.sum(), "lostResponses", lost.sum(),
                "duplicateWrites", recent.duplicates());
    }

    /** Handles one received frame (Ethernet header first). Never blocks. */
    public void receive(ByteBuffer frame) {
        AoeMessage message;
        try {
            message = AoeFrames.decode(frame);
        } catch (MalformedFrameException e) {
            malformed.increment();
            LOG.debug("dropped a frame: {}", e.getMessage());
            return;
        }
        AoeHeader header = message.header();
        if (header.response() || !(header.destination().equals(own) || header.destination().isBroadcast())) {
            return; // another target's response, our own broadcast, or a frame for another host
        }
        requests.increment();
        switch (message) {
            case AoeMessage.Config config -> slots.values().stream()
                    .filter(s -> header.addresses(s.slot.shelf(), s.slot.slot()))
                    .forEach(s -> config(config, s));
            case AoeMessage.Ata ata -> {
                Served served = exactly(header);
                if (served != null) {
                    ata(ata, served);
                }
            }
            case AoeMessage.Unsupported unsupported -> {
                if (exactly(header) != null) {
                    send(new AoeMessage.Unsupported(header.responseFrom(own).withError(unsupported.reason()),
                            unsupported.reason()));
                }
            }
        }
    }

    /** The slot a request names exactly (ATA commands are not broadcast). */
    private Served exactly(AoeHeader header) {
        if (header.shelf() == AoeHeader.BROADCAST_SHELF || header.slot() == AoeHeader.BROADCAST_SLOT) {
            return null;
        }
        return slots.get(new AoeAddress(header.shelf(), header.slot()));
    }

    private void config(AoeMessage.Config query, Served served) {
        AoeHeader reply = query.header().responseFrom(own).at(served.slot.shelf(), served.slot.slot());
        byte[] asked = query.configString();
        ConfigCommand command = ConfigCommand.of(query.configCommand()).orElse(null);
        if (command == null) {
            send(configResponse(reply.withError(AoeError.BAD_ARGUMENT), served, query.configCommand()));
            return;
        }
        switch (command) {
            case READ -> send(configResponse(reply, served, command.value()));
            case TEST -> {
                if (Arrays.equals(served.config.get(), asked)) {
                    send(configResponse(reply, served, command.value()));
                }
            }
            case TEST_PREFIX -> {
                byte[] current = served.config.get();
                if (current.length >= asked.length && Arrays.equals(current, 0, asked.length, asked, 0, asked.length)) {
                    send(configResponse(reply, served, command.value()));
                }
            }
            case SET -> {
                byte[] before = served.config.get();
                boolean set = (before.length == 0 && served.config.compareAndSet(before, asked))
                        || Arrays.equals(before, asked);
                send(configResponse(set ? reply : reply.withError(AoeError.CONFIG_STRING_PRESENT), served,
                        command.value()));
            }
            case FORCE_SET -> {
                served.config.set(asked);
                send(configResponse(reply, served, command.value()));
            }
        }
    }

    private AoeMessage.Config configResponse(AoeHeader header, Served served, int command) {
        return new AoeMessage.Config(header, BUFFER_COUNT, FIRMWARE, sectorsPerFrame, AoeHeader.VERSION, command,
                served.config.get());
    }

    private void ata(AoeMessage.Ata request, Served served) {
        AtaCommand command = AtaCommand.of(request.commandStatus()).orElse(null);
        if (command == null) {
            send(ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, AtaCommand.ERROR_ABRT));
            return;
        }
        switch (command) {
            case IDENTIFY_DEVICE -> send(ataReply(request, AtaCommand.STATUS_DRDY, 0, IdentifyDevice.of(served.sectors,
                    served.slot.shelf() + "." + served.slot.slot() + ":" + served.slot.name(), FIRMWARE_TEXT)));
            case CHECK_POWER_MODE -> send(new AoeMessage.Ata(request.header().responseFrom(own), request.aflags(), 0,
                    0xFF, AtaCommand.STATUS_DRDY, request.lba(), ByteBuffer.allocate(0)));
            case FLUSH_CACHE, FLUSH_CACHE_EXT -> complete(request, served.slot.layer().flush(0));
            case READ_SECTORS, READ_SECTORS_EXT, WRITE_SECTORS, WRITE_SECTORS_EXT -> transfer(request, command, served);
        }
    }

    private void transfer(AoeMessage.Ata request, AtaCommand command, Served served) {
        int count = request.sectorCount();
        long lba = command.isExtended() ? request.lba() : request.lba() & LBA28_MASK;
        if (count > sectorsPerFrame) {
            send(new AoeMessage.Unsupported(request.header().responseFrom(own).withError(AoeError.BAD_ARGUMENT),
                    AoeError.BAD_ARGUMENT));
            return;
        }
        if (lba + count > served.sectors) {
            send(ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, AtaCommand.ERROR_IDNF));
            return;
        }
        if (!command.isWrite()) {
            if (count == 0) {
                send(ataReply(request, AtaCommand.STATUS_DRDY, 0));
                return;
            }
            CompletionStage<ByteBuf> read = served.slot.layer().read(lba * SECTOR, count * SECTOR, 0,
                    ByteBufAllocator.DEFAULT);
            read.whenComplete((data, failure) -> {
                if (failure != null) {
                    fail(request, "read", lba, count, served, failure);
                    return;
                }
                try {
                    send(ataReply(request, AtaCommand.STATUS_DRDY, 0, data.nioBuffer()));
                } finally {
                    data.release();
                }
            });
            return;
        }
        ByteBuffer data = request.data();
        if (data.remaining() < count * SECTOR) {
            send(new AoeMessage.Unsupported(request.header().responseFrom(own).withError(AoeError.BAD_ARGUMENT),
                    AoeError.BAD_ARGUMENT));
            return;
        }
        if (!served.slot.writable()) {
            send(ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, AtaCommand.ERROR_ABRT));
            return;
        }
        MacAddress initiator = request.header().source();
        int tag = request.header().tag();
        switch (recent.arrived(initiator, tag)) {
            case RecentWrites.Verdict.InProgress ignored -> {
                return;
            }
            case RecentWrites.Verdict.Answered answered -> {
                sendFrame(answered.reply());
                return;
            }
            case RecentWrites.Verdict.Apply apply -> {
            }
        }
        if (count == 0) {
            remember(initiator, tag, ataReply(request, AtaCommand.STATUS_DRDY, 0));
            return;
        }
        ByteBuf sectors = Unpooled.wrappedBuffer(data.limit(data.position() + count * SECTOR));
        served.slot.layer().write(lba * SECTOR, sectors, 0).whenComplete((v, failure) -> {
            if (failure != null) {
                log(request, "write", lba, count, served, failure);
                remember(initiator, tag, ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR,
                        AtaCommand.ERROR_ABRT));
            } else {
                remember(initiator, tag, ataReply(request, AtaCommand.STATUS_DRDY, 0));
            }
        });
    }

    private void remember(MacAddress initiator, int tag, AoeMessage.Ata reply) {
        ByteBuffer frame = AoeFrames.encode(reply);
        recent.completed(initiator, tag, frame);
        sendFrame(frame.duplicate());
    }

    private void complete(AoeMessage.Ata request, CompletionStage<Void> stage) {
        stage.whenComplete((v, failure) -> {
            if (failure != null) {
                LOG.warn("AoE flush from {} failed: {}", request.header().source(), cause(failure).getMessage());
                send(ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, AtaCommand.ERROR_ABRT));
            } else {
                send(ataReply(request, AtaCommand.STATUS_DRDY, 0));
            }
        });
    }

    private void fail(AoeMessage.Ata request, String what, long lba, int count, Served served, Throwable failure) {
        log(request, what, lba, count, served, failure);
        send(ataReply(request, AtaCommand.STATUS_DRDY | AtaCommand.STATUS_ERR, AtaCommand.ERROR_ABRT));
    }

    private static void log(AoeMessage.Ata request, String what, long lba, int count, Served served,
                            Throwable failure) {
        LOG.warn("AoE {} of {} sectors at LBA {} on {} (export '{}') from {} failed: {}", what, count, lba,
                served.slot.device(), served.slot.name(), request.header().source(), cause(failure).getMessage());
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private AoeMessage.Ata ataReply(AoeMessage.Ata request, int status, int error) {
        return ataReply(request, status, error, ByteBuffer.allocate(0));
    }

    private AoeMessage.Ata ataReply(AoeMessage.Ata request, int status, int error, ByteBuffer data) {
        return new AoeMessage.Ata(request.header().responseFrom(own), request.aflags(), error, 0, status,
                request.lba(), data);
    }

    private void send(AoeMessage message) {
        sendFrame(AoeFrames.encode(message));
    }

    private void sendFrame(ByteBuffer frame) {
        try {
            if (!sink.send(frame)) {
                lost.increment();
            }
        } catch (IOException | RuntimeException e) {
            lost.increment();
            LOG.warn("AoE response not sent: {}", e.getMessage());
        }
    }
}
