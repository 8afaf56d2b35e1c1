package org.enbd.protocol;

/** The magic numbers of the wire format (proto.md, "Handshake" and "Transmission"). */
public final class NbdMagic {
    /** 'NBDMAGIC': the first 8 bytes a server sends. */
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    /** 'IHAVEOPT': newstyle negotiation, and the prefix of every option the client sends. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Prefix of every option reply. */
    public static final long OPTION_REPLY = 0x3e889045565a9L;
    /** Oldstyle negotiation's second magic (never sent by ENBD-J; recognised by the client to refuse it). */
    public static final long CLISERV = 0x00420281861253L;
    public static final int REQUEST = 0x25609513;
    public static final int EXTENDED_REQUEST = 0x21e41c71;
    public static final int SIMPLE_REPLY = 0x67446698;
    public static final int STRUCTURED_REPLY = 0x668e33ef;
    public static final int EXTENDED_REPLY = 0x6e8a278c;

    private NbdMagic() {
    }
}
