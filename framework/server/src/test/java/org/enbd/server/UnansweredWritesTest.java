package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Writes without replies (async no-ack, {@link EnbdExtension#FLAG_NO_REPLY}) as the server serves them: never
 * answered; a FLUSH on the connection answered only after them, carrying their first failure once.
 */
class UnansweredWritesTest {
    private static final int SIZE = 1 << 20;
    private final MemoryLayer memory = new MemoryLayer(SIZE, false);
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        memory.close();
    }

    private void install(Layer layer, boolean noReply) throws NbdException {
        channel = new EmbeddedChannel();
        TransmissionPhase.install(channel, layer, layer.capabilities(), layer.size(), ReplyFormat.STRUCTURED, 0,
                true, noReply, ServerLimits.DEFAULT, new MemoryBudget(ServerLimits.DEFAULT.serverBudget()));
    }

    private void send(Command command, int flags, long cookie, long offset, byte[] data) {
        int length = data == null ? 0 : data.length;
        ByteBuf b = Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(flags).writeShort(command.value())
                .writeLong(cookie).writeLong(offset).writeInt(length);
        if (data != null) {
            b.writeBytes(data);
        }
        channel.writeInbound(b);
        channel.runPendingTasks();
    }

    /** The replies written so far: "cookie:errno" (simple), "cookie:type[:errno:message]" (structured chunks). */
    private String replies() {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            while (b.isReadable()) {
                int magic = b.readInt();
                if (magic == NbdMagic.SIMPLE_REPLY) { // a reply without data may be a simple one
                    int errno = b.readInt();
                    out.append(out.isEmpty() ? "" : " ").append(b.readLong()).append(':').append(errno);
                    continue;
                }
                assertEquals(NbdMagic.STRUCTURED_REPLY, magic);
                b.readShort();
                int type = b.readUnsignedShort();
                long cookie = b.readLong();
                int length = b.readInt();
                out.append(out.isEmpty() ? "" : " ").append(cookie).append(':').append(type);
                if (type == 0x8001) {
                    int errno = b.readInt();
                    int messageLength = b.readUnsignedShort();
                    out.append(':').append(errno).append(':')
                            .append(b.readCharSequence(messageLength, StandardCharsets.UTF_8));
                    b.skipBytes(length - 6 - messageLength);
                } else {
                    b.skipBytes(length);
                }
            }
            b.release();
        }
        return out.toString();
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void unansweredWritesLandWithoutAReplyAndAFlushAnswersForThem() throws Exception {
        install(memory, true);
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 1, 0, bytes(4096, 7));
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 2, 8192, bytes(512, 9));
        assertEquals("", replies(), "no reply to a write sent without one");
        send(Command.FLUSH, 0, 3, 0, null);
        assertEquals("3:0", replies(), "the FLUSH is answered, and only it");
        ByteBuf back = memory.read(8192, 512, 0, channel.alloc()).toCompletableFuture().join();
        assertTrue(back.equals(Unpooled.wrappedBuffer(bytes(512, 9))));
        back.release();
    }

    @Test
    void aFlushWaitsForTheUnansweredWritesBeforeIt() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Layer held = new ForwardingLayer(memory) {
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                return gate.thenCompose(open -> next.write(offset, data, flags));
            }
        };
        install(held, true);
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 1, 0, bytes(4096, 1));
        send(Command.FLUSH, 0, 2, 0, null);
        assertEquals("", replies(), "the FLUSH waits while a write before it runs");
        gate.complete(null);
        assertEquals("2:0", replies());
    }

    @Test
    void aFailedUnansweredWriteIsReportedByTheNextFlushOnce() throws Exception {
        Layer failing = new ForwardingLayer(memory) {
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                return offset == 4096 ? CompletableFuture.failedFuture(new NbdException(NbdError.EIO, "medium error"))
                        : next.write(offset, data, flags);
            }
        };
        install(failing, true);
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 1, 0, bytes(512, 1));
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 2, 4096, bytes(512, 2));
        // a write beyond the end is refused by the checks, and told the same way
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 3, SIZE, bytes(512, 3));
        assertEquals("", replies());
        send(Command.FLUSH, 0, 4, 0, null);
        String first = replies();
        assertTrue(first.startsWith("4:32769:5:"), first);
        assertTrue(first.contains("unanswered WRITE [4096+512]") && first.contains("medium error"), first);
        send(Command.FLUSH, 0, 5, 0, null);
        assertEquals("5:0", replies(), "reported once: the next FLUSH is a plain one");
    }

    @Test
    void theFlagWithoutTheOptionIsRefused() throws Exception {
        install(memory, false);
        send(Command.WRITE, EnbdExtension.FLAG_NO_REPLY, 1, 0, bytes(512, 1));
        String reply = replies();
        assertTrue(reply.startsWith("1:32769:22:"), reply);
        assertFalse(reply.isEmpty());
    }
}
