package dev.vplat.vfio.server;

/** What the binary decoding stages hand to dispatch: a decoded request or a request that failed decoding. */
public sealed interface Inbound extends WireMessage permits Request, BadRequest {
    int tag();

    int op();
}
