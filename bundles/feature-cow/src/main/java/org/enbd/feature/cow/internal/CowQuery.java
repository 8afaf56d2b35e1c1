package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.client.OneShotQuery;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.cow.CowControl;

/**
 * {@code enbd cow show|drop} as the client asks them: COW_SHOW or COW_DROP down a client device's stack to the
 * server's cow layer, the JSON answer read back and put in words. A drop first shows: an overlay that holds changes
 * is dropped only when forced, since a drop forgets them and whoever has the export open (a mounted file system)
 * sees its disk change underneath. Blocks: never on an event loop ({@link OneShotQuery} asks on its own thread).
 */
final class CowQuery {
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+)");

    /** The overlay as COW_SHOW or COW_DROP described it. */
    record Overlay(String json, String export, String scope, String store, long blockSize, long dataBlocks,
                   long zeroBlocks, long bytes) {
        boolean empty() {
            return dataBlocks == 0 && zeroBlocks == 0;
        }

        /** {@code 3 data blocks (192 KiB), 1 zero block}. */
        String summary() {
            return dataBlocks + " data block" + (dataBlocks == 1 ? "" : "s") + " (" + bytes + " bytes), "
                    + zeroBlocks + " zero block" + (zeroBlocks == 1 ? "" : "s");
        }

        List<String> lines() {
            return List.of("export       \"" + export + "\"", "scope        " + scope + (scope.equals("connection")
                            ? " (each connection its own overlay: this one is the asking connection's, empty)" : ""),
                    "store        " + store, "block size   " + blockSize, "data blocks  " + dataBlocks,
                    "zero blocks  " + zeroBlocks, "bytes        " + bytes);
        }

        static Overlay parse(String json) {
            java.util.Map<String, String> fields = new java.util.HashMap<>();
            Matcher m = FIELD.matcher(json);
            while (m.find()) {
                String value = m.group(2);
                fields.put(m.group(1), value.startsWith("\"")
                        ? value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\") : value);
            }
            for (String key : List.of("export", "scope", "store", "blockSize", "dataBlocks", "zeroBlocks", "bytes")) {
                if (!fields.containsKey(key)) {
                    throw new IllegalArgumentException("no \"" + key + "\" in " + json);
                }
            }
            return new Overlay(json, fields.get("export"), fields.get("scope"), fields.get("store"),
                    Long.parseLong(fields.get("blockSize")), Long.parseLong(fields.get("dataBlocks")),
                    Long.parseLong(fields.get("zeroBlocks")), Long.parseLong(fields.get("bytes")));
        }
    }

    private CowQuery() {
    }

    /** Sends COW_SHOW or COW_DROP ({@link CowControl}) and waits for the answer. */
    static Overlay ask(RemoteDevice device, String uri, int type, Duration timeout)
            throws NbdException, InterruptedException {
        String name = type == CowControl.DROP ? "COW_DROP" : "COW_SHOW";
        ByteBuf reply = OneShotQuery.control(device, uri, name, type, Unpooled.EMPTY_BUFFER, timeout,
                uri + " has no cow feature (ENOTSUP): serve it with features=cow");
        String json;
        try {
            json = reply.toString(StandardCharsets.UTF_8);
        } finally {
            reply.release();
        }
        try {
            return Overlay.parse(json);
        } catch (IllegalArgumentException e) {
            throw new NbdException(NbdError.EIO, uri + " answered " + name + " with something else: "
                    + e.getMessage());
        }
    }
}
