package dev.vplat.guest.client.uapi;

/** A Linux uAPI struct with its exact packed little-endian layout. */
public interface UapiStruct {
    /** The struct bytes, leading {@code size}/{@code argsz} field filled in. */
    byte[] encode();
}
