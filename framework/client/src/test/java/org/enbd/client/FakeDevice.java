package org.enbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.control.Status;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;
import org.enbd.protocol.EnbdExtension;

/**
 * A remote device with no network: a small RAM disk that answers at once, answers CONTROL_PING as an ENBD-J
 * server's engine does, and publishes the events a test gives it.
 */
final class FakeDevice implements RemoteDevice {
    private final byte[] data;
    private final List<Consumer<ExportEvent>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    volatile int reconnects;
    volatile int connections = 2;
    final List<Integer> dropped = new CopyOnWriteArrayList<>();

    FakeDevice(int size) {
        data = new byte[size];
    }

    /** As the engine does with an event the server pushed. */
    void publish(ExportEvent event) {
        listeners.forEach(l -> l.accept(event));
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).flush(true).zero(Support.EMULATE).multiConn(true).build();
    }

    @Override
    public synchronized CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return java.util.concurrent.CompletableFuture.completedFuture(
                alloc.buffer(length).writeBytes(data, (int) offset, length));
    }

    @Override
    public synchronized CompletionStage<Void> write(long offset, ByteBuf payload, int flags) {
        payload.getBytes(payload.readerIndex(), data, (int) offset, payload.readableBytes());
        return Layer.done();
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf payload, ByteBufAllocator alloc) {
        if (type != EnbdExtension.CONTROL_PING) {
            return Layer.failed(NbdError.ENOTSUP, "control 0x" + Integer.toHexString(type));
        }
        return java.util.concurrent.CompletableFuture.completedFuture(alloc.buffer().writeBytes(payload,
                payload.readerIndex(), payload.readableBytes()));
    }

    @Override
    public int transmissionFlags() {
        return 0;
    }

    @Override
    public String exportName() {
        return "disk";
    }

    @Override
    public String description() {
        return "a fake remote disk";
    }

    @Override
    public int connections() {
        return 1;
    }

    @Override
    public boolean enbdExtension() {
        return true;
    }

    @Override
    public Status status() {
        return Status.of("fake", "client", Status.State.UP, "fake");
    }

    @Override
    public void onStatus(Consumer<Status> listener) {
        listener.accept(status());
    }

    @Override
    public AutoCloseable onEvent(Consumer<ExportEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    int eventListeners() {
        return listeners.size();
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public int reconnect() {
        reconnects++;
        return connections;
    }

    @Override
    public String drop(int index) {
        if (index < 0 || index >= connections) {
            return null;
        }
        dropped.add(index);
        return "fake#" + (index + 1);
    }

    @Override
    public void retarget(org.enbd.api.stream.StreamAddress uri, org.enbd.api.stream.ClientSecurity security) {
    }

    @Override
    public org.enbd.api.stream.StreamAddress uri() {
        return org.enbd.api.stream.StreamAddress.parse("nbd://fake/");
    }
}
