import { CloseCode, encodeMultiplexed, encodePlain } from "@gavel/protocol";
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { clauseText, plainClient, typeInto } from "./support/clients.ts";
import { makeToken, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const RUNS = 2000;
const MAX_MESSAGE_BYTES = 65_536;
const FUZZ_DOC = "demo/glossary/c1";
const HONEST_DOC = "demo/glossary/c2";
/** Close codes a malformed frame may earn (docs/PROTOCOL.md); 1011 would be a server fault. */
const EXPECTED_CLOSES: readonly number[] = [
  CloseCode.messageTooBig,
  CloseCode.malformedFrame,
  CloseCode.invalidUpdate,
  CloseCode.forbidden,
  CloseCode.rateLimited,
];

function validUpdate(seedText: string): Uint8Array {
  const doc = new Y.Doc();
  const paragraph = new Y.XmlElement("paragraph");
  doc.getXmlFragment("default").insert(0, [paragraph]);
  const text = new Y.XmlText();
  paragraph.insert(0, [text]);
  text.insert(0, seedText, { bold: {} });
  return Y.encodeStateAsUpdate(doc);
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

/** Damages a valid frame: cut it, flip bytes, or append garbage. */
const damaged = (frame: Uint8Array) =>
  fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, frame.length - 1) }).map((cut) => frame.slice(0, cut)),
    fc
      .array(fc.tuple(fc.nat(frame.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((flips) => {
        const copy = frame.slice();
        for (const [at, xor] of flips) copy[at] = (copy[at] ?? 0) ^ xor;
        return copy;
      }),
    bytes(16).map((tail) => new Uint8Array([...frame, ...tail])),
  );

/** A payload that looks like a frame to the plain endpoint, or does not. */
const plainFrame = fc.oneof(
  bytes(64),
  fc.string().chain((s) => damaged(encodePlain.sync({ type: "update", update: validUpdate(s) }))),
  fc.string().map((s) => encodePlain.sync({ type: "update", update: new TextEncoder().encode(s) })),
  damaged(encodePlain.sync({ type: "syncStep1", stateVector: Y.encodeStateVector(new Y.Doc()) })),
  fc.string().map((s) => encodePlain.awareness(new TextEncoder().encode(s))),
  fc.integer({ min: 4, max: 1000 }).map((type) => Uint8Array.of(type)),
  fc.constant(new Uint8Array(MAX_MESSAGE_BYTES + 1)),
);

const multiplexedFrame = fc.oneof(
  bytes(64),
  fc.string().chain((s) => damaged(encodeMultiplexed.sync(FUZZ_DOC, { type: "update", update: validUpdate(s) }))),
  fc
    .string({ maxLength: 300 })
    .map((address) => encodeMultiplexed.sync(address, { type: "syncStep1", stateVector: new Uint8Array([0]) })),
  fc.string().map((s) => encodeMultiplexed.awareness(FUZZ_DOC, new TextEncoder().encode(s))),
  damaged(encodeMultiplexed.stateless(FUZZ_DOC, '{"type":"x"}')),
  fc.integer({ min: 11, max: 1000 }).map((type) => {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, FUZZ_DOC);
    encoding.writeVarUint(e, type);
    return encoding.toUint8Array(e);
  }),
  fc.constant(new Uint8Array(MAX_MESSAGE_BYTES + 1)),
);

/** Keeps counterexamples readable: a frame prints as its length and first bytes. */
function printable(frame: Uint8Array): Uint8Array {
  return Object.assign(frame, {
    [fc.toStringMethod]: () =>
      `Frame(${frame.length} bytes: ${Array.from(frame.slice(0, 24)).join(",")}${frame.length > 24 ? ",..." : ""})`,
  });
}

function authFrame(token: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, FUZZ_DOC);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint(e, 0);
  encoding.writeVarString(e, token);
  return encoding.toUint8Array(e);
}

/**
 * Sends one fuzz frame, then a valid sync step 1. The connection must either be closed with a
 * documented code or still answer the probe.
 */
async function sendOne(
  url: string,
  first: Uint8Array | null,
  frame: Uint8Array,
  probe: Uint8Array,
): Promise<number | "answered"> {
  const ws = new WebSocket(url);
  try {
    return await new Promise<number | "answered">((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no close and no answer within 5 s")), 5_000);
      let sentProbe = false;
      ws.on("open", () => {
        if (first) ws.send(first);
        ws.send(frame);
        ws.send(probe);
        sentProbe = true;
      });
      ws.on("message", (data: Buffer) => {
        // A sync step 2 (plain: 0,1 / multiplexed: address,0,1) after the probe is the answer.
        const d = new Uint8Array(data);
        const isStep2 =
          (d[0] === 0 && d[1] === 1) ||
          (d.length > 3 && d.includes(0) && d[d.indexOf(0, 1)] === 0 && d[d.indexOf(0, 1) + 1] === 1);
        if (sentProbe && isStep2) {
          clearTimeout(timer);
          resolve("answered");
        }
      });
      ws.on("close", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      ws.on("error", () => {});
    });
  } finally {
    ws.terminate();
  }
}

describe("malformed frames never take the process down", () => {
  it(`${RUNS} generated malformed frames against a running server; an honest client keeps syncing`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
    console.log(`fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`);
    const server = await spawnServer({
      DATA_DIR: tempDir("gavel-fuzz-"),
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    });
    const token = await makeToken("delegate");
    const honest = plainClient(server.wsUrl, HONEST_DOC, await makeToken("delegate"));
    const witness = plainClient(server.wsUrl, HONEST_DOC, await makeToken("observer"));
    await waitUntil(() => honest.provider.synced && witness.provider.synced, "honest clients synced");
    let typed = 0;
    const typing = setInterval(() => typeInto(honest.doc, `<h${typed++}>`), 25);

    const outcomes = new Map<string, number>();
    const plainProbe = encodePlain.sync({ type: "syncStep1", stateVector: new Uint8Array([0]) });
    const muxProbe = encodeMultiplexed.sync(FUZZ_DOC, { type: "syncStep1", stateVector: new Uint8Array([0]) });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            plainFrame.map((f) => ["plain", printable(f)] as const),
            multiplexedFrame.map((f) => ["mux", printable(f)] as const),
          ),
          async ([endpoint, frame]) => {
            const outcome =
              endpoint === "plain"
                ? await sendOne(`${server.wsUrl}/y/${FUZZ_DOC}?token=${token}`, null, frame, plainProbe)
                : await sendOne(`${server.wsUrl}/collab?token=${token}`, authFrame(token), frame, muxProbe);
            outcomes.set(`${endpoint}:${outcome}`, (outcomes.get(`${endpoint}:${outcome}`) ?? 0) + 1);
            // An oversized frame may be cut off mid-send (the server closes while bytes are in flight: 1006).
            const oversized = frame.length > MAX_MESSAGE_BYTES && outcome === 1006;
            expect(outcome === "answered" || oversized || EXPECTED_CLOSES.includes(outcome), `outcome ${outcome}`).toBe(
              true,
            );
            expect(server.alive()).toBe(true);
          },
        ),
        { seed, numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      clearInterval(typing);
    }
    console.log("outcomes:", Object.fromEntries(outcomes));
    expect(server.alive()).toBe(true);
    expect((await fetch(`${server.httpUrl}/healthz`)).ok).toBe(true);
    typeInto(honest.doc, "<final>");
    await waitUntil(() => clauseText(witness.doc) === clauseText(honest.doc), "honest edits reach the witness", 15_000);
    expect(typed).toBeGreaterThan(10);
    expect(honest.provider.wsconnected).toBe(true);
  }, 300_000);
});
