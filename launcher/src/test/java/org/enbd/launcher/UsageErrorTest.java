package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every usage error: one line {@code enbd: <problem>}, one hint line, exit 2, and nothing launched. */
class UsageErrorTest {
    @Test
    void noCommandAtAll() {
        isOneLineAndExitTwo("", "missing command: server, client, list or stats");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bogus                                                | Unmatched argument
            server --listen foo                                  | 'foo': expected HOST:PORT or unix:PATH
            server --listen 127.0.0.1:70000                      | the port must be 0-65535
            server --listen 127.0.0.1:http                       | the port is not a number
            server --listen :10809                               | the host is missing
            server --listen ::1:10809                            | write an IPv6 address in brackets
            server --listen unix:                                | the socket path is missing
            server --listen 127.0.0.1:1 --listen 127.0.0.1:1     | --listen 127.0.0.1:1 is given twice
            server --export disk                                 | expected NAME=SPEC[,ro]
            server --export disk=                                | the backend SPEC is missing
            server --export disk=,ro                             | the backend SPEC is missing
            server --export a=memory:1M --export a=memory:2M     | export "a" is given twice
            server --tls sometimes                               | Invalid value for option '--tls'
            server --tls require                                 | --tls require needs one of --tls-certificates DIR
            server --tls-certificates /etc/enbd/tls              | need --tls on or --tls require
            server --tls on --tls-certificates /d --tls-psk /k   | needs one of --tls-certificates DIR
            server --tls on --tls-psk /k --tls-verify-peer       | --tls-verify-peer is for certificates
            server --max-payload 100                             | --max-payload must be between 512
            server --max-in-flight 0                             | --max-in-flight must be at least 1
            server --start-timeout -1                            | --start-timeout must be 0 (no limit) or seconds
            server --console 0.0.0.0:8080                        | is not a loopback address: give --console-password
            server --console 192.0.2.1:8080 --console-user ops   | is not a loopback address
            server --console nowhere                             | --console 'nowhere': expected HOST:PORT or off
            server --console 127.0.0.1:8080 --console-password=  | --console-password must not be empty
            server --frobnicate                                  | Unknown option: '--frobnicate'
            client                                               | missing the server's URI
            client nbd://h/e                                     | give exactly one of --serve
            client nbd://h/e --serve unix:/x --device /dev/nbd0  | give exactly one of --serve
            client http://h/e --serve 127.0.0.1:1                | 'http://h/e' is not an NBD URI
            client nbd+unix:///e --serve 127.0.0.1:1             | names no socket
            client nbd:///e --serve 127.0.0.1:1                  | names no host
            client nbd://h/e --device /dev/sda                   | --device '/dev/sda': expected a kernel NBD device
            client nbd://h/e --serve 127.0.0.1:1 --connections -1 | --connections must be between 0 (auto) and 64
            client nbd://h/e --serve 127.0.0.1:1 --stall-timeout 0 | --stall-timeout and --reconnect-max must be positive
            client nbd://h/e --serve 127.0.0.1:1 --queue-limit 0 | --queue-limit must be at least 1
            client nbd://h/e --serve 127.0.0.1:1 --memlock       | --memlock, --dead-conn-timeout, --kernel-sockets and --ioctl-node apply to --device only
            client nbd://h/e --serve 127.0.0.1:1 --ioctl-node    | --memlock, --dead-conn-timeout, --kernel-sockets and --ioctl-node apply to --device only
            client nbds://h/e --device /dev/nbd0 --kernel-sockets | --kernel-sockets hands plain sockets to the kernel: nbd:// or nbd+unix:// only
            client nbd://h/e --device /dev/nbd0 --kernel-sockets --feature cow | --kernel-sockets carries no feature stack
            client nbd://h/e --device /dev/nbd0 --dead-conn-timeout -1 | --dead-conn-timeout must not be negative
            client nbd://h/e --serve bad                         | 'bad': expected HOST:PORT or unix:PATH
            client nbd://h/e --serve 127.0.0.1:1 --feature a+    | --feature 'a+': expected NAME[+NAME...][,KEY=VALUE...]
            client nbd://h/e --serve 127.0.0.1:1 --feature a/b   | --feature 'a/b': expected NAME[+NAME...][,KEY=VALUE...]
            client nbd://h/e --serve 127.0.0.1:1 --feature a --feature a | --feature a is given twice
            client nbd://h/e --device /dev/nbd0 --feature cow,cow.fil=x,sync=always | parameter sync belongs to no feature
            client --disconnect /dev/nbd0 nbd://h/e              | --disconnect takes only the device
            client --disconnect /dev/sda                         | --disconnect '/dev/sda': expected a kernel NBD device
            list extra                                           | Unmatched argument
            """)
    void isOneLineAndExitTwo(String commandLine, String problem) {
        String[] args = commandLine.isEmpty() ? new String[0] : commandLine.split(" ");
        Cli cli = Cli.run(args);
        assertEquals(Main.USAGE, cli.exit(), cli.err());
        List<String> lines = cli.errLines();
        assertEquals(2, lines.size(), cli.err());
        assertTrue(lines.get(0).startsWith("enbd: "), lines.get(0));
        assertTrue(lines.get(0).contains(problem), lines.get(0));
        assertTrue(lines.get(1).startsWith("Try 'enbd") && lines.get(1).endsWith("--help' for more information."),
                lines.get(1));
        assertTrue(cli.actions().launched.isEmpty() && cli.actions().disconnected.isEmpty()
                && cli.actions().listed.isEmpty());
    }
}
