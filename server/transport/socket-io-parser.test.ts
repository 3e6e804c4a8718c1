import { Decoder, type Packet } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { readFrameHead } from "./frame-head";
import { RefusedFrame } from "./refused-frame";
import { createSocketIoParser } from "./socket-io-parser";

const MAX = 1000;

/** Feeds chunks to a decoder; returns the packets it decoded. */
function decode(decoder: Decoder, ...chunks: unknown[]): Packet[] {
  const out: Packet[] = [];
  decoder.on("decoded", (p: Packet) => out.push(p));
  for (const c of chunks) decoder.add(c);
  return out;
}

const limited = () => new (createSocketIoParser(MAX).Decoder)();

/** The packets a fresh limited decoder makes of `chunks` after a CONNECT (which it then leaves out). */
const afterConnect = (...chunks: unknown[]) => decode(limited(), "0{}", ...chunks).slice(1);

describe("the limited Socket.IO decoder", () => {
  it("decodes every packet within the limits exactly as socket.io-parser does", () => {
    const packets = [
      '0{"token":"abc","acks":true}',
      "0/inspector,",
      '2["message",{"type":"ping"}]',
      '27["message",{"type":"ping","payload":{"a":[1,{"b":"]}"}]}}]',
      '2/inspector,12["subscribe",{"kind":"rejected"}]',
      `2["message",{"pad":"${"x".repeat(MAX - 20)}"}]`,
      "35[]",
      "1",
      "1/inspector,",
    ];
    for (const p of packets) expect(decode(limited(), '0{"t":1}', p)).toEqual(decode(new Decoder(), '0{"t":1}', p));
    const binary = ['51-["message",{"type":"ping","payload":{"blob":{"_placeholder":true,"num":0}}}]', Buffer.from("abc")];
    expect(decode(limited(), "0{}", ...binary)).toEqual(decode(new Decoder(), "0{}", ...binary));
  });

  it("decodes an event over the limit as [name, RefusedFrame] without parsing it: namespace, ack id and UTF-8 size kept", () => {
    const envelope = `{"type":"ping","message_id":"m-1","payload":{"deep":${"[".repeat(5000)}${"]".repeat(5000)},"s":"é"}}`;
    const [packet] = afterConnect(`2/inspector,42["subscribe",${envelope}]`);
    expect(packet).toMatchObject({ type: 2, nsp: "/inspector", id: 42 });
    const [name, frame] = packet!.data as [string, RefusedFrame];
    expect(name).toBe("subscribe");
    expect(frame).toBeInstanceOf(RefusedFrame);
    expect(frame).toMatchObject({ bytes: Buffer.byteLength(envelope), attachments: 0, head: { type: "ping", message_id: "m-1" } });
  });

  it("accepts one attachment within the limit; refuses more (counted) and an oversized one, without keeping them", () => {
    const header = (n: number) =>
      `5${n}-3["message",{"type":"ping","message_id":"b","payload":[${Array.from({ length: n }, (_, num) => `{"_placeholder":true,"num":${num}}`).join(",")}]}]`;
    const [two] = afterConnect(header(2), Buffer.alloc(10), Buffer.alloc(20));
    expect(two).toMatchObject({ type: 2, id: 3 });
    expect(two!.data[1]).toMatchObject({ attachments: 2, head: { type: "ping", message_id: "b" } });
    expect((two!.data[1] as RefusedFrame).bytes).toBe(Buffer.byteLength('{"type":"ping","message_id":"b","payload":[,]}') + 30);
    const [big] = afterConnect(header(1), Buffer.alloc(MAX + 1));
    expect(big!.data[1]).toBeInstanceOf(RefusedFrame);
    expect((big!.data[1] as RefusedFrame).bytes).toBeGreaterThan(MAX);
  });

  it("throws (Socket.IO closes the connection) for binary data before CONNECT, too many attachments, or long control packets", () => {
    expect(() => limited().add('51-["message",{"_placeholder":true,"num":0}]')).toThrow();
    expect(() => limited().add(Buffer.alloc(10))).toThrow();
    expect(() => afterConnect('511-["message"]')).toThrow("too many attachments");
    expect(() => limited().add(`0{"token":"${"x".repeat(9000)}"}`)).toThrow();
    expect(() => limited().add(`1${"[".repeat(9000)}`)).toThrow();
    expect(() => limited().add(`31[${"0,".repeat(MAX)}0]`)).toThrow();
  });
});

describe("readFrameHead", () => {
  it("reads the top-level type and message_id as JSON.parse does, whatever comes around them", () => {
    const samples = [
      '{"type":"ping","message_id":"a"}',
      ' { "payload" : {"type":"inner","message_id":"no"} , "type" : "t\\"q" , "message_id":"\\u00e9\\\\" } ',
      '{"payload":["\\"]}{[",{"x":"\\\\"}],"message\\u005fid":"esc","type":"late"}',
      '{"type":42,"message_id":null,"payload":{}}',
      '{"payload":[1,2,3],"other":true,"n":-1.5e3}',
      '["type","message_id"]',
      '"just a string"',
    ];
    for (const s of samples) {
      const parsed = JSON.parse(s) as Record<string, unknown>;
      const expected: Record<string, unknown> = {};
      for (const k of ["type", "message_id"]) if (typeof parsed[k] === "string") expected[k] = parsed[k];
      expect(readFrameHead(s, 0), s).toEqual(expected);
    }
  });

  it("stops at malformed text without throwing", () => {
    expect(readFrameHead('{"type":"ping","payload":{"pad":"unterminated', 0)).toEqual({ type: "ping" });
    expect(readFrameHead('{"type" "ping"}', 0)).toEqual({});
    expect(readFrameHead("", 0)).toEqual({});
  });
});
