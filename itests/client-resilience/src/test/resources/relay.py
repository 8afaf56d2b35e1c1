#!/usr/bin/env python3
"""A TCP relay with one process per connection, so a test can SIGSTOP exactly one connection's path.

usage: relay.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
Prints "listening", then "conn N pid P" for each accepted connection.
"""
import os
import select
import signal
import socket
import sys


def pump(client, upstream):
    peer = {client: upstream, upstream: client}
    while True:
        ready, _, _ = select.select(list(peer), [], [])
        for s in ready:
            data = s.recv(1 << 20)
            if not data:
                os._exit(0)
            peer[s].sendall(data)


def main():
    listen_port, up_host, up_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    print("listening", flush=True)
    n = 0
    while True:
        client, _ = server.accept()
        n += 1
        pid = os.fork()
        if pid == 0:
            server.close()
            try:
                upstream = socket.create_connection((up_host, up_port))
                for s in (client, upstream):
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                pump(client, upstream)
            finally:
                os._exit(0)
        client.close()
        print("conn %d pid %d" % (n, pid), flush=True)


if __name__ == "__main__":
    main()
