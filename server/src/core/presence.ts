import type { Actor } from "@gavel/model";
import { decodeStrict } from "@gavel/protocol";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: Record<string, unknown> | null;
}

const MAX_ENTRIES = 64;
const MAX_DEPTH = 8;
const MAX_STATE_CHARS = 4096;

/** Decodes a y-protocols awareness update; throws MalformedFrameError on anything that is not one. */
export function decodeAwareness(update: Uint8Array): AwarenessEntry[] {
  return decodeStrict(update, readAwareness);
}

function readAwareness(decoder: decoding.Decoder): AwarenessEntry[] {
  const count = decoding.readVarUint(decoder);
  if (count > MAX_ENTRIES) throw new Error(`awareness update with ${count} entries`);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    // Presence is a name, a colour and a cursor: a few hundred bytes. Bounded, because every
    // state is sent to every subscriber of the document.
    if (json.length > MAX_STATE_CHARS) throw new Error(`awareness state over ${MAX_STATE_CHARS} characters`);
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && !isPlainObject(parsed)) throw new Error("awareness state must be an object or null");
    if (nestedDeeperThan(parsed, MAX_DEPTH)) throw new Error("awareness state nested too deeply");
    entries.push({ clientId, clock, state: parsed });
  }
  return entries;
}

export function encodeAwareness(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Overwrites the identity a client claims with the one its token proves, keeping the fields
 * it may choose (colour, cursor...): nobody can appear as someone else.
 */
export function stampPresence(entry: AwarenessEntry, actor: Actor): AwarenessEntry {
  if (entry.state === null) return entry;
  const claimed = isPlainObject(entry.state.user) ? entry.state.user : {};
  const user = { ...claimed, id: actor.sub, name: actor.name, role: actor.role, delegation: actor.delegation };
  return { ...entry, state: { ...entry.state, user } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Stops descending at the limit, so a hostile state cannot exhaust the stack. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => nestedDeeperThan(child, limit - 1));
}
