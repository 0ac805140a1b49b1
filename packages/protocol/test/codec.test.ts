import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import {
  AuthType,
  decodeInboundFrame,
  decodePlainFrame,
  encodeMultiplexed,
  encodePlain,
  MAX_ADDRESS_LENGTH,
  MAX_TOKEN_LENGTH,
  MalformedFrameError,
  MessageType,
  type SyncMessage,
} from "../src/index.ts";

const FC_SEED = 424_242;
const MAX_STATELESS = 1024;

/** A document with some content and its client-side awareness, as a provider would hold them. */
function clientState(): { doc: Y.Doc; awareness: Awareness; update: Uint8Array } {
  const doc = new Y.Doc();
  doc.clientID = 4242;
  doc.getText("t").insert(0, "hello");
  const awareness = new Awareness(doc);
  awareness.setLocalState({ user: { name: "Ana", color: "#123456" } });
  return { doc, awareness, update: Y.encodeStateAsUpdate(doc) };
}

/** Frames exactly as @hocuspocus/provider 4.x writes them: address, type, payload (lib0 encoding). */
const provider = {
  auth(address: string, token: string, version?: string): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.auth);
    encoding.writeVarUint(e, AuthType.token);
    encoding.writeVarString(e, token);
    if (version !== undefined) encoding.writeVarString(e, version);
    return encoding.toUint8Array(e);
  },
  syncStep1(address: string, doc: Y.Doc): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeSyncStep1(e, doc);
    return encoding.toUint8Array(e);
  },
  syncStep2(address: string, doc: Y.Doc): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeSyncStep2(e, doc);
    return encoding.toUint8Array(e);
  },
  update(address: string, update: Uint8Array): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeUpdate(e, update);
    return encoding.toUint8Array(e);
  },
  awareness(address: string, awareness: Awareness): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.awareness);
    encoding.writeVarUint8Array(e, encodeAwarenessUpdate(awareness, [awareness.clientID]));
    return encoding.toUint8Array(e);
  },
  header(address: string, type: number): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, type);
    return encoding.toUint8Array(e);
  },
  stateless(address: string, payload: string): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.stateless);
    encoding.writeVarString(e, payload);
    return encoding.toUint8Array(e);
  },
  pong(): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.pong);
    return encoding.toUint8Array(e);
  },
};

/** Decoding must end in a value or a MalformedFrameError: never another error type. */
function outcomeOf(decode: () => unknown): "value" | "malformed" {
  try {
    decode();
    return "value";
  } catch (error) {
    if (error instanceof MalformedFrameError) return "malformed";
    throw new Error(`expected MalformedFrameError, got ${String(error)}`);
  }
}

const decodeMux = (data: Uint8Array) => decodeInboundFrame(data, MAX_STATELESS);

function expectMalformed(decode: () => unknown): void {
  expect(decode).toThrow(MalformedFrameError);
}

const bytes = (u: Uint8Array): number[] => Array.from(u);

describe("decodeInboundFrame (multiplexed, client -> server)", () => {
  const address = "s1/main/c1";

  it("decodes the provider's auth frame with its version", () => {
    expect(decodeMux(provider.auth(address, "tok.en.sig", "4.8.0"))).toEqual({
      type: "document",
      address,
      documentName: address,
      message: { type: "auth", token: "tok.en.sig", providerVersion: "4.8.0" },
    });
  });

  it("decodes an auth frame without a provider version as version null", () => {
    expect(decodeMux(provider.auth(address, "tok"))).toMatchObject({
      message: { type: "auth", token: "tok", providerVersion: null },
    });
  });

  it("decodes the single byte 10 as a pong", () => {
    expect(bytes(provider.pong())).toEqual([10]);
    expect(decodeMux(provider.pong())).toEqual({ type: "pong" });
  });

  it("decodes the provider's sync step 1 with the document's state vector", () => {
    const { doc } = clientState();
    const frame = decodeMux(provider.syncStep1(address, doc));
    expect(frame).toMatchObject({ type: "document", message: { type: "syncStep1" } });
    if (frame.type !== "document" || frame.message.type !== "syncStep1") throw new Error("unexpected frame");
    expect(bytes(frame.message.stateVector)).toEqual(bytes(Y.encodeStateVector(doc)));
  });

  it("decodes the provider's sync step 2 with an update that rebuilds the document", () => {
    const { doc } = clientState();
    const frame = decodeMux(provider.syncStep2(address, doc));
    if (frame.type !== "document" || frame.message.type !== "syncStep2") throw new Error("unexpected frame");
    const copy = new Y.Doc();
    Y.applyUpdate(copy, frame.message.update);
    expect(copy.getText("t").toString()).toBe("hello");
  });

  it("decodes the provider's update message", () => {
    const { update } = clientState();
    const frame = decodeMux(provider.update(address, update));
    if (frame.type !== "document" || frame.message.type !== "update") throw new Error("unexpected frame");
    expect(bytes(frame.message.update)).toEqual(bytes(update));
  });

  it("decodes the provider's awareness message", () => {
    const { awareness } = clientState();
    const frame = decodeMux(provider.awareness(address, awareness));
    if (frame.type !== "document" || frame.message.type !== "awareness") throw new Error("unexpected frame");
    expect(bytes(frame.message.update)).toEqual(bytes(encodeAwarenessUpdate(awareness, [awareness.clientID])));
  });

  it("decodes queryAwareness, close and stateless frames", () => {
    expect(decodeMux(provider.header(address, MessageType.queryAwareness))).toMatchObject({
      message: { type: "queryAwareness" },
    });
    expect(decodeMux(provider.header(address, MessageType.close))).toMatchObject({ message: { type: "close" } });
    expect(decodeMux(provider.stateless(address, '{"a":1}'))).toMatchObject({
      message: { type: "stateless", payload: '{"a":1}' },
    });
  });

  it("decodes a syncReply (type 4) as a sync message", () => {
    const { update } = clientState();
    const e = encoding.createEncoder();
    encoding.writeVarString(e, address);
    encoding.writeVarUint(e, MessageType.syncReply);
    syncProtocol.writeUpdate(e, update);
    expect(decodeMux(encoding.toUint8Array(e))).toMatchObject({ message: { type: "update" } });
  });

  it("returns owned copies of payload bytes, not views on the frame", () => {
    const { update } = clientState();
    const frame = provider.update(address, update);
    const decoded = decodeMux(frame);
    if (decoded.type !== "document" || decoded.message.type !== "update") throw new Error("unexpected frame");
    frame.fill(0);
    expect(bytes(decoded.message.update)).toEqual(bytes(update));
  });

  it("gives the part of a NUL-separated address before the NUL as the document name", () => {
    const routed = `${address}\u0000session-7f3a`;
    expect(decodeMux(provider.auth(routed, "tok", "4.8.0"))).toMatchObject({
      address: routed,
      documentName: address,
    });
    expect(decodeMux(provider.header(`\u0000x`, MessageType.close))).toMatchObject({ documentName: "" });
  });

  describe("round trip through encodeMultiplexed", () => {
    const { update, doc } = clientState();
    const messages: SyncMessage[] = [
      { type: "syncStep1", stateVector: Y.encodeStateVector(doc) },
      { type: "syncStep2", update },
      { type: "update", update },
      { type: "update", update: new Uint8Array(0) },
    ];

    it.each(messages.map((m) => [m.type, m] as const))("round-trips a %s sync message", (_type, message) => {
      const decoded = decodeMux(encodeMultiplexed.sync(address, message));
      expect(decoded).toEqual({ type: "document", address, documentName: address, message });
    });

    it("round-trips an awareness message", () => {
      const payload = Uint8Array.of(1, 2, 3);
      expect(decodeMux(encodeMultiplexed.awareness(address, payload))).toEqual({
        type: "document",
        address,
        documentName: address,
        message: { type: "awareness", update: payload },
      });
    });

    it("round-trips a stateless message, including unicode and the empty payload", () => {
      for (const payload of ["", "plain", "ünïcödé 🙂", "x".repeat(MAX_STATELESS)]) {
        expect(decodeMux(encodeMultiplexed.stateless(address, payload))).toMatchObject({
          message: { type: "stateless", payload },
        });
      }
    });

    it("refuses server-only frames as inbound: authenticated, permissionDenied, syncStatus, close with reason, ping", () => {
      expectMalformed(() => decodeMux(encodeMultiplexed.authenticated(address, "read-write")));
      expectMalformed(() => decodeMux(encodeMultiplexed.permissionDenied(address, "no")));
      expectMalformed(() => decodeMux(encodeMultiplexed.syncStatus(address, true)));
      expectMalformed(() => decodeMux(encodeMultiplexed.close(address, "bye")));
      expect(bytes(encodeMultiplexed.ping())).toEqual([9]);
      expectMalformed(() => decodeMux(encodeMultiplexed.ping()));
    });
  });

  describe("malformed frames", () => {
    const { doc, awareness, update } = clientState();
    // An address of 11 characters: with 10, the one-byte prefix [10] would be a (valid) pong.
    const address = "s1/main/c12";
    const valid: [string, Uint8Array][] = [
      ["auth without version", provider.auth(address, "tok")],
      ["sync step 1", provider.syncStep1(address, doc)],
      ["sync step 2", provider.syncStep2(address, doc)],
      ["update", provider.update(address, update)],
      ["awareness", provider.awareness(address, awareness)],
      ["queryAwareness", provider.header(address, MessageType.queryAwareness)],
      ["close", provider.header(address, MessageType.close)],
      ["stateless", provider.stateless(address, "hello")],
      ["long address (two-byte length)", provider.update("a".repeat(200), update)],
    ];

    it.each(valid)("every truncation of a valid %s frame throws MalformedFrameError", (_name, frame) => {
      expect(outcomeOf(() => decodeMux(frame))).toBe("value");
      for (let cut = 0; cut < frame.length; cut++) {
        const prefix = frame.slice(0, cut);
        expect(
          outcomeOf(() => decodeMux(prefix)),
          `cut at ${cut} of ${frame.length}`,
        ).toBe("malformed");
      }
    });

    it("every truncation of an auth frame with version throws, except at the end of the token", () => {
      const withVersion = provider.auth(address, "tok", "4.8.0");
      const withoutVersionLength = provider.auth(address, "tok").length;
      for (let cut = 0; cut < withVersion.length; cut++) {
        const prefix = withVersion.slice(0, cut);
        if (cut === withoutVersionLength) {
          expect(decodeMux(prefix)).toMatchObject({ message: { type: "auth", token: "tok", providerVersion: null } });
        } else {
          expect(
            outcomeOf(() => decodeMux(prefix)),
            `cut at ${cut}`,
          ).toBe("malformed");
        }
      }
    });

    it("also fails cleanly when the truncated frame is a view on a larger buffer", () => {
      const frame = provider.update(address, update);
      for (let cut = 0; cut < frame.length; cut++) {
        expect(
          outcomeOf(() => decodeMux(frame.subarray(0, cut))),
          `cut at ${cut}`,
        ).toBe("malformed");
      }
    });

    // Not auth: a trailing 0 after its token reads as an empty provider version.
    it.each(valid.slice(1))("a valid %s frame followed by a trailing byte throws", (_name, frame) => {
      const padded = new Uint8Array(frame.length + 1);
      padded.set(frame);
      expectMalformed(() => decodeMux(padded));
    });

    it("throws on unknown message types", () => {
      for (const type of [6, 8, 9, 10, 11, 127, 128, 100_000]) {
        expectMalformed(() => decodeMux(provider.header(address, type)));
      }
    });

    it("throws on an unknown sync sub-type", () => {
      const e = encoding.createEncoder();
      encoding.writeVarString(e, address);
      encoding.writeVarUint(e, MessageType.sync);
      encoding.writeVarUint(e, 3);
      encoding.writeVarUint8Array(e, update);
      expectMalformed(() => decodeMux(encoding.toUint8Array(e)));
    });

    it("throws on an auth frame of a type other than token", () => {
      for (const authType of [AuthType.permissionDenied, AuthType.authenticated, 9]) {
        const e = encoding.createEncoder();
        encoding.writeVarString(e, address);
        encoding.writeVarUint(e, MessageType.auth);
        encoding.writeVarUint(e, authType);
        encoding.writeVarString(e, "tok");
        expectMalformed(() => decodeMux(encoding.toUint8Array(e)));
      }
    });

    it(`accepts an address of ${MAX_ADDRESS_LENGTH} characters and throws on one more`, () => {
      const max = "a".repeat(MAX_ADDRESS_LENGTH);
      expect(decodeMux(provider.header(max, MessageType.close))).toMatchObject({ address: max });
      expectMalformed(() => decodeMux(provider.header(`${max}a`, MessageType.close)));
    });

    it(`accepts a token of ${MAX_TOKEN_LENGTH} characters and throws on one more`, () => {
      const max = "t".repeat(MAX_TOKEN_LENGTH);
      expect(decodeMux(provider.auth(address, max))).toMatchObject({ message: { token: max } });
      expectMalformed(() => decodeMux(provider.auth(address, `${max}t`)));
    });

    it("throws on a provider version longer than 64 characters", () => {
      expect(decodeMux(provider.auth(address, "tok", "v".repeat(64)))).toMatchObject({
        message: { providerVersion: "v".repeat(64) },
      });
      expectMalformed(() => decodeMux(provider.auth(address, "tok", "v".repeat(65))));
    });

    it("throws on a stateless payload over the configured maximum", () => {
      expectMalformed(() => decodeMux(provider.stateless(address, "x".repeat(MAX_STATELESS + 1))));
      expect(decodeInboundFrame(provider.stateless(address, "xyz"), 3)).toMatchObject({
        message: { payload: "xyz" },
      });
      expectMalformed(() => decodeInboundFrame(provider.stateless(address, "xyz"), 2));
    });

    it("throws on an auth frame with bytes after the provider version", () => {
      const frame = provider.auth(address, "tok", "4.8.0");
      const padded = new Uint8Array(frame.length + 1);
      padded.set(frame);
      expectMalformed(() => decodeMux(padded));
    });

    it("reads a one-byte prefix [10] as a pong, whatever frame it was cut from", () => {
      expect(decodeMux(provider.header("s1/main/c1", MessageType.close).slice(0, 1))).toEqual({ type: "pong" });
    });

    it("throws on the empty frame", () => {
      expectMalformed(() => decodeMux(new Uint8Array(0)));
    });

    it("throws on a length prefix that claims more bytes than the frame has", () => {
      const e = encoding.createEncoder();
      encoding.writeVarString(e, address);
      encoding.writeVarUint(e, MessageType.awareness);
      encoding.writeVarUint(e, 1_000_000);
      encoding.writeUint8(e, 1);
      expectMalformed(() => decodeMux(encoding.toUint8Array(e)));
    });

    it("throws on a varint that never ends or overflows", () => {
      expectMalformed(() => decodeMux(Uint8Array.of(0x80, 0x80, 0x80)));
      expectMalformed(() => decodeMux(new Uint8Array(12).fill(0xff)));
    });

    it(`either decodes or throws MalformedFrameError on random bytes (fast-check seed ${FC_SEED})`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (data) => {
          outcomeOf(() => decodeMux(data));
        }),
        { seed: FC_SEED, numRuns: 5000 },
      );
    });

    it(`either decodes or throws MalformedFrameError on mutated valid frames (fast-check seed ${FC_SEED})`, () => {
      const frames = valid.map(([, f]) => f);
      fc.assert(
        fc.property(
          fc.constantFrom(...frames),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          (frame, flips) => {
            const mutated = frame.slice();
            for (const [at, value] of flips) mutated[at % mutated.length] = value;
            outcomeOf(() => decodeMux(mutated));
          },
        ),
        { seed: FC_SEED, numRuns: 5000 },
      );
    });
  });
});

describe("decodePlainFrame (y-websocket, client -> server)", () => {
  const { doc, update } = clientState();

  /** Frames as y-websocket writes them: type, payload. */
  function ywsSync(write: (e: encoding.Encoder) => void): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    write(e);
    return encoding.toUint8Array(e);
  }

  it("decodes y-websocket's sync step 1, sync step 2 and update", () => {
    const step1 = decodePlainFrame(ywsSync((e) => syncProtocol.writeSyncStep1(e, doc)));
    if (step1.type !== "syncStep1") throw new Error("unexpected frame");
    expect(bytes(step1.stateVector)).toEqual(bytes(Y.encodeStateVector(doc)));
    expect(decodePlainFrame(ywsSync((e) => syncProtocol.writeSyncStep2(e, doc))).type).toBe("syncStep2");
    const upd = decodePlainFrame(ywsSync((e) => syncProtocol.writeUpdate(e, update)));
    if (upd.type !== "update") throw new Error("unexpected frame");
    expect(bytes(upd.update)).toEqual(bytes(update));
  });

  it("round-trips every sync message and awareness through encodePlain", () => {
    const messages: SyncMessage[] = [
      { type: "syncStep1", stateVector: Y.encodeStateVector(doc) },
      { type: "syncStep2", update },
      { type: "update", update },
    ];
    for (const message of messages) expect(decodePlainFrame(encodePlain.sync(message))).toEqual(message);
    const awareness = Uint8Array.of(1, 7, 1, 2, 110, 117);
    expect(decodePlainFrame(encodePlain.awareness(awareness))).toEqual({ type: "awareness", update: awareness });
  });

  it("decodes queryAwareness (type 3)", () => {
    expect(decodePlainFrame(Uint8Array.of(3))).toEqual({ type: "queryAwareness" });
  });

  it("refuses auth frames, including the server's own permission-denied", () => {
    expectMalformed(() => decodePlainFrame(encodePlain.permissionDenied("no")));
  });

  it("throws on unknown types and unknown sync sub-types", () => {
    for (const type of [4, 5, 9, 10, 200]) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, type);
      expectMalformed(() => decodePlainFrame(encoding.toUint8Array(e)));
    }
    expectMalformed(() => decodePlainFrame(Uint8Array.of(0, 3, 0)));
  });

  it("throws on a sync step 1 whose state vector Yjs cannot read (the client's fault, not the server's)", () => {
    for (const stateVector of [new Uint8Array(), Uint8Array.of(2, 5), Uint8Array.of(1, 0x80)]) {
      expect(() => decodePlainFrame(encodePlain.sync({ type: "syncStep1", stateVector }))).toThrow(MalformedFrameError);
    }
  });

  it("every truncation of a valid frame throws MalformedFrameError", () => {
    const frames = [
      encodePlain.sync({ type: "syncStep1", stateVector: Y.encodeStateVector(doc) }),
      encodePlain.sync({ type: "update", update }),
      encodePlain.awareness(Uint8Array.of(1, 2, 3)),
    ];
    for (const frame of frames) {
      for (let cut = 0; cut < frame.length; cut++) {
        expect(
          outcomeOf(() => decodePlainFrame(frame.slice(0, cut))),
          `cut at ${cut}`,
        ).toBe("malformed");
      }
    }
  });

  it("throws on trailing bytes", () => {
    expectMalformed(() => decodePlainFrame(Uint8Array.of(3, 0)));
    const frame = encodePlain.sync({ type: "update", update });
    const padded = new Uint8Array(frame.length + 1);
    padded.set(frame);
    expectMalformed(() => decodePlainFrame(padded));
  });

  it(`either decodes or throws MalformedFrameError on random bytes (fast-check seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        outcomeOf(() => decodePlainFrame(data));
      }),
      { seed: FC_SEED, numRuns: 5000 },
    );
  });
});
