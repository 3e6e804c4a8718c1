import { createRequire } from "node:module";
import type * as SocketIoParser from "socket.io-parser";

/**
 * socket.io-parser's CommonJS build, the one socket.io itself loads. An ESM `import` on Node resolves to
 * the package's debug build (`exports.import.node`), which calls `debug` for every packet it encodes or
 * decodes: in the stream benchmark's profile that build and `debug` were about 1.5% of the server's
 * busy time. One copy of the parser, too.
 */
const lib = createRequire(import.meta.url)("socket.io-parser") as typeof SocketIoParser;

export const { Decoder, Encoder, PacketType } = lib;
export type Decoder = SocketIoParser.Decoder;
export type Encoder = SocketIoParser.Encoder;
export type PacketType = SocketIoParser.PacketType;
export type Packet = SocketIoParser.Packet;
