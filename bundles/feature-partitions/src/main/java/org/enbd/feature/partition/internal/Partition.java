package org.enbd.feature.partition.internal;

/**
 * One partition found in a disk's table: where it lies, in bytes from the start of the disk.
 *
 * @param number      as the {@code partition} parameter names it (MBR: 1-4 primary, 5 and up logical; GPT: the
 *                    entry's place in the table, from 1)
 * @param offset      first byte
 * @param length      size in bytes, at least one sector
 * @param description one line for logs: table kind, number, type or name
 */
record Partition(int number, long offset, long length, String description) {
}
