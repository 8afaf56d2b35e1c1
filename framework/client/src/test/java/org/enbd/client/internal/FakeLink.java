package org.enbd.client.internal;

import java.util.ArrayList;
import java.util.List;
import org.enbd.protocol.Request;

/** A link that records what the dispatcher sends, for tests with no network. */
final class FakeLink implements Link {
    final String name;
    final List<Request> sent = new ArrayList<>();
    boolean disconnected;
    boolean aborted;

    FakeLink(String name) {
        this.name = name;
    }

    @Override
    public synchronized void send(java.util.List<Request> requests) {
        sent.addAll(requests);
    }

    @Override
    public void disconnect() {
        disconnected = true;
    }

    @Override
    public void abort() {
        aborted = true;
    }

    @Override
    public boolean inEventLoop() {
        return false;
    }

    @Override
    public io.netty.buffer.ByteBufAllocator alloc() {
        return io.netty.buffer.ByteBufAllocator.DEFAULT;
    }

    @Override
    public String describe() {
        return name;
    }

    synchronized int count() {
        return sent.size();
    }

    synchronized Request get(int i) {
        return sent.get(i);
    }

    synchronized Request last() {
        return sent.getLast();
    }

    synchronized void releaseAll() {
        sent.forEach(Request::release);
    }
}
