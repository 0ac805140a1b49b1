import type { Actor } from "@gavel/model";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { type AwarenessEntry, decodeAwareness, encodeAwareness, stampPresence } from "../src/core/presence.ts";

const ANA: Actor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr", session: "s1" };

/** An awareness update with raw JSON strings, to send what y-protocols would never produce. */
function rawUpdate(entries: readonly [clientId: number, clock: number, json: string][], trailing: number[] = []) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  for (const byte of trailing) encoding.writeUint8(e, byte);
  return encoding.toUint8Array(e);
}

function nested(depth: number): Record<string, unknown> {
  let state: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) state = { a: state };
  return state;
}

describe("decodeAwareness / encodeAwareness", () => {
  it("decodes what y-protocols encodes and re-encodes it byte for byte", () => {
    const doc = new Y.Doc();
    doc.clientID = 77;
    const awareness = new Awareness(doc);
    awareness.setLocalState({ user: { name: "Ana", color: "#aa00ff" }, cursor: { anchor: 3, head: 5 } });
    const update = encodeAwarenessUpdate(awareness, [77]);
    const entries = decodeAwareness(update);
    expect(entries).toEqual([
      {
        clientId: 77,
        clock: awareness.meta.get(77)?.clock,
        state: { user: { name: "Ana", color: "#aa00ff" }, cursor: { anchor: 3, head: 5 } },
      },
    ]);
    expect(Array.from(encodeAwareness(entries))).toEqual(Array.from(update));
    awareness.destroy();
  });

  it("round-trips several entries, including a removed (null) state", () => {
    const entries: AwarenessEntry[] = [
      { clientId: 1, clock: 0, state: { x: 1 } },
      { clientId: 2 ** 31, clock: 12345, state: null },
      { clientId: 3, clock: 1, state: { user: { name: "ü 🙂" } } },
    ];
    expect(decodeAwareness(encodeAwareness(entries))).toEqual(entries);
  });

  it("decodes an update with no entries", () => {
    expect(decodeAwareness(encodeAwareness([]))).toEqual([]);
  });

  it("accepts a state nested 8 levels deep and rejects 9", () => {
    expect(decodeAwareness(rawUpdate([[1, 1, JSON.stringify(nested(8))]]))).toHaveLength(1);
    expect(() => decodeAwareness(rawUpdate([[1, 1, JSON.stringify(nested(9))]]))).toThrow(/nested too deeply/);
  });

  it("counts arrays as nesting levels", () => {
    let value: unknown = [];
    for (let i = 0; i < 20; i++) value = [value];
    expect(() => decodeAwareness(rawUpdate([[1, 1, JSON.stringify({ deep: value })]]))).toThrow(/nested too deeply/);
  });

  it.each(["5", '"text"', "true", "[1,2]", "[]"])("rejects a non-object state %s", (json) => {
    expect(() => decodeAwareness(rawUpdate([[1, 1, json]]))).toThrow(/object or null/);
  });

  it("rejects a state that is not JSON", () => {
    expect(() => decodeAwareness(rawUpdate([[1, 1, "{nope"]]))).toThrow();
  });

  it("accepts 64 entries and rejects 65", () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i): [number, number, string] => [i, 1, "null"]);
    expect(decodeAwareness(rawUpdate(entries(64)))).toHaveLength(64);
    expect(() => decodeAwareness(rawUpdate(entries(65)))).toThrow(/65 entries/);
  });

  it("rejects a huge entry count before reading any entry", () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1_000_000_000);
    expect(() => decodeAwareness(encoding.toUint8Array(e))).toThrow(/entries/);
  });

  it("rejects trailing bytes after the last entry", () => {
    expect(() => decodeAwareness(rawUpdate([[1, 1, "{}"]], [0]))).toThrow(/trailing bytes/);
  });

  it("rejects a truncated update", () => {
    const update = rawUpdate([[1, 1, '{"user":{"name":"Ana"}}']]);
    for (let cut = 0; cut < update.length; cut++) {
      expect(() => decodeAwareness(update.slice(0, cut)), `cut at ${cut}`).toThrow();
    }
  });
});

describe("stampPresence", () => {
  it("overwrites the claimed id, name, role and delegation with the actor's, keeping colour and other fields", () => {
    const entry: AwarenessEntry = {
      clientId: 9,
      clock: 4,
      state: {
        user: { id: "u-chair", name: "The Chair", role: "chair", delegation: "us", color: "#ff0000" },
        cursor: { anchor: 1, head: 2 },
      },
    };
    expect(stampPresence(entry, ANA)).toEqual({
      clientId: 9,
      clock: 4,
      state: {
        user: { id: "u-ana", name: "Ana", role: "delegate", delegation: "fr", color: "#ff0000" },
        cursor: { anchor: 1, head: 2 },
      },
    });
  });

  it("adds an identity to a state that claims no user", () => {
    expect(stampPresence({ clientId: 1, clock: 1, state: { cursor: null } }, ANA).state).toEqual({
      cursor: null,
      user: { id: "u-ana", name: "Ana", role: "delegate", delegation: "fr" },
    });
  });

  it("replaces a user field that is not an object", () => {
    for (const user of ["The Chair", ["chair"], 42, null]) {
      expect(stampPresence({ clientId: 1, clock: 1, state: { user } }, ANA).state?.user).toEqual({
        id: "u-ana",
        name: "Ana",
        role: "delegate",
        delegation: "fr",
      });
    }
  });

  it("stamps a null delegation for actors without one", () => {
    const observer: Actor = { sub: "u-obs", name: "Obs", role: "observer", delegation: null, session: "s1" };
    const stamped = stampPresence({ clientId: 1, clock: 1, state: { user: { delegation: "fr" } } }, observer);
    expect(stamped.state?.user).toEqual({ id: "u-obs", name: "Obs", role: "observer", delegation: null });
  });

  it("leaves a removal (null state) as it is", () => {
    const removal: AwarenessEntry = { clientId: 3, clock: 8, state: null };
    expect(stampPresence(removal, ANA)).toEqual(removal);
  });

  it("does not modify the entry it is given", () => {
    const user = { name: "Mallory", color: "#000" };
    const entry: AwarenessEntry = { clientId: 1, clock: 1, state: { user } };
    stampPresence(entry, ANA);
    expect(user).toEqual({ name: "Mallory", color: "#000" });
    expect(entry.state?.user).toBe(user);
  });
});
