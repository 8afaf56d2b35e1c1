package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import org.enbd.protocol.Command;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A user's actions on a device (drop one connection, reconnect them all) and a move to another server: requests
 * on the connections that go are carried to the others, none fails.
 */
class UserActionsTest {
    private final EngineFixture f = new EngineFixture(8);

    @AfterEach
    void release() {
        f.releaseAll();
    }

    @Test
    void droppingAConnectionResetsItAndItsRequestsGoToAnother() throws Exception {
        Conn a = f.connect(true);
        CompletableFuture<Object> read = f.read(0, 4);
        Conn b = f.connect(true);
        assertEquals(1, f.link(a).count());
        assertEquals("conn1", f.d.recovery.drop(0));
        assertTrue(f.link(a).aborted, "a reset, as the network would");
        assertEquals(Conn.State.CLOSED, a.state);
        assertEquals(1, f.link(b).count(), "the read went to the other connection");
        assertEquals(1, f.lost, "the supervisor is asked for a replacement");
        f.ok(b, f.link(b).get(0), 7);
        ByteBuf data = (ByteBuf) read.get();
        assertEquals(7, data.getByte(0));
        data.release();
        assertNull(f.d.recovery.drop(5), "no such connection");
    }

    @Test
    void reconnectDropsEveryConnectionAndTheRequestsWaitForTheNextOne() throws Exception {
        Conn a = f.connect(true);
        Conn b = f.connect(true);
        CompletableFuture<Object> write = f.write(0, 512, 3);
        CompletableFuture<Object> read = f.read(4096, 4);
        assertEquals(2, f.d.recovery.dropAll());
        assertTrue(f.link(a).aborted && f.link(b).aborted);
        assertTrue(f.d.live.isEmpty());
        assertFalse(write.isDone() || read.isDone(), "they wait for a connection");
        f.advance(500);
        assertFalse(write.isDone() || read.isDone(), "within the dead time nothing fails");
        Conn c = f.connect(true);
        assertEquals(2, f.link(c).count(), "both were resubmitted on the new connection");
        for (int i = 0; i < 2; i++) {
            f.ok(c, f.link(c).get(i), 5);
        }
        assertTrue(write.isDone() && !write.isCompletedExceptionally());
        ((ByteBuf) read.get()).release();
    }

    @Test
    void theFirstConnectionOfANewRouteRetiresTheOldOnesAndTakesTheirRequests() throws Exception {
        Conn old = f.connect(true);
        CompletableFuture<Object> write = f.write(0, 512, 1);
        CompletableFuture<Object> read = f.read(8192, 4);
        f.d.generation = 1; // the supervisor's move
        Conn moved = f.d.recovery.attach(new FakeLink("new"), EngineFixture.session(true), 1);
        assertEquals(Conn.State.RETIRED, old.state, "the old connection is drained by retraction");
        FakeLink link = (FakeLink) moved.link;
        assertEquals(2, link.count(), "both requests were retracted onto the new connection");
        assertEquals(Command.WRITE, link.get(0).command());
        assertEquals(Command.READ, link.get(1).command());
        f.ok(moved, link.get(0));
        f.ok(moved, link.get(1), 2);
        assertTrue(write.isDone() && !write.isCompletedExceptionally());
        ((ByteBuf) read.get()).release();
        assertFalse(f.link(old).disconnected, "the old copy of the write still holds its range (a ghost)");
        f.ok(old, f.link(old).get(0));
        f.ok(old, f.link(old).get(1), 1); // the old copy of the read: its answer is dropped
        assertTrue(f.link(old).disconnected, "the drained connection says goodbye");
        Conn late = f.d.recovery.attach(new FakeLink("late"), EngineFixture.session(true), 0);
        assertEquals(Conn.State.CLOSED, late.state, "a connection of the old route that comes up late is let go");
        assertTrue(((FakeLink) late.link).disconnected);
        link.releaseAll();
    }

    @Test
    void aConnectionThatComesUpAfterTheDeviceClosedIsLetGo() {
        f.connect(true);
        f.d.recovery.close();
        Conn late = f.d.recovery.attach(new FakeLink("late"), EngineFixture.session(true), 0);
        assertEquals(Conn.State.CLOSED, late.state);
        assertTrue(((FakeLink) late.link).disconnected, "no connection outlives the device");
        assertTrue(f.d.live.isEmpty());
    }
}
