package org.enbd.transport.raw.packet;

/**
 * The network interface a packet socket is bound to, as the kernel described it when the socket opened.
 *
 * @param name  e.g. {@code eth0}
 * @param index the kernel's interface index
 * @param mtu   the largest Ethernet payload in bytes (1500, 9000 for jumbo frames)
 * @param mac   the interface's own address, the source of every frame sent
 */
public record NetInterface(String name, int index, int mtu, MacAddress mac) {
}
