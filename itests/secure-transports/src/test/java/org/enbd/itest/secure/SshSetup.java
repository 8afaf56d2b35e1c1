package org.enbd.itest.secure;

/**
 * What every SSH test starts: the peers' directory, a real sshd, an ENBD-J server with one memory export, and the
 * client side; closed in reverse.
 */
final class SshSetup implements AutoCloseable {
    final Peers peers;
    final Sshd sshd;
    final ServedDisk server;
    final SshClient client;

    SshSetup(long size) throws Exception {
        peers = new Peers();
        try {
            sshd = Sshd.start(peers);
            server = new ServedDisk(peers.dir, size);
        } catch (Exception | Error e) {
            peers.close();
            throw e;
        }
        client = new SshClient(sshd);
    }

    /** {@code nbd+ssh://USER@127.0.0.1:SSHPORT/disk?nbd-port=PORT&nbd-host=127.0.0.1} plus {@code extra}. */
    String uri(String extra) {
        return "nbd+ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port + "/disk?nbd-port="
                + server.port() + "&nbd-host=127.0.0.1" + extra;
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.close();
        peers.close();
    }
}
