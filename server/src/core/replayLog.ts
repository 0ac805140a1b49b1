import * as Y from "yjs";
import { checkUpdate, isYjsClientId } from "./updateCheck.ts";

export interface SkippedUpdate {
  /** Position in the replayed list. */
  readonly index: number;
  readonly reason: string;
}

export interface Replayed {
  readonly doc: Y.Doc;
  readonly skipped: readonly SkippedUpdate[];
}

/**
 * Rebuilds a document from stored updates, in order, leaving out every update the write path
 * refuses today: one that makes Yjs throw, stays pending, or leaves an id its encoding cannot
 * carry. Such updates can only come from data stored before the update check existed. Every
 * reader of the log (loading, time travel, exports) replays through here, so they all agree
 * with the live document, which then holds nothing pending and always encodes.
 *
 * The common case applies each update once and looks only at Yjs's pending fields; a log with a
 * bad update is replayed again, checking each update before applying it.
 */
export function replayUpdates(updates: readonly Uint8Array[]): Replayed {
  const doc = new Y.Doc({ gc: true });
  if (updates.every((update) => appliesCleanly(doc, update)) && encodable(doc)) return { doc, skipped: [] };
  doc.destroy();
  return replayCarefully(updates);
}

function appliesCleanly(doc: Y.Doc, update: Uint8Array): boolean {
  try {
    Y.applyUpdate(doc, update, "store");
  } catch {
    return false;
  }
  return isSettled(doc);
}

/** Nothing pending: every struct and every delete the document received is integrated. */
export function isSettled(doc: Y.Doc): boolean {
  return doc.store.pendingStructs === null && doc.store.pendingDs === null;
}

/** Every client id is one Yjs makes and every clock is a safe integer: the encoding reads back. */
function encodable(doc: Y.Doc): boolean {
  for (const client of doc.store.clients.keys()) {
    if (!isYjsClientId(client) || !Number.isSafeInteger(Y.getState(doc.store, client))) return false;
  }
  return true;
}

/**
 * Each update is checked against the state so far and applied only when the check accepts it.
 * Should Yjs still throw (a half-applied document), the replay starts over without that update;
 * each round leaves out one more, so it ends.
 */
function replayCarefully(updates: readonly Uint8Array[]): Replayed {
  const skipped = new Map<number, string>();
  for (;;) {
    const doc = new Y.Doc({ gc: true });
    let clean = true;
    for (const [index, update] of updates.entries()) {
      if (skipped.has(index)) continue;
      const verdict = checkUpdate(update, (client) => Y.getState(doc.store, client));
      if (verdict.type !== "ok") {
        skipped.set(index, verdict.reason);
        continue;
      }
      if (!appliesCleanly(doc, update)) {
        skipped.set(index, "Yjs cannot integrate it");
        clean = false;
        break;
      }
    }
    if (clean) {
      const list = [...skipped].map(([index, reason]) => ({ index, reason })).sort((a, b) => a.index - b.index);
      return { doc, skipped: list };
    }
    doc.destroy();
  }
}
