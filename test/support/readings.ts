import type { Store } from "@gavel/server";
import { expect } from "vitest";
import * as Y from "yjs";
import { type ApiClause, type ApiSection, api } from "./api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient } from "./clients.ts";
import { type TestServer, waitUntil } from "./server.ts";

/**
 * Every reading of one clause that issue 8's invariant says must agree: the live document (the
 * section API, which the lock and the figures also read), a fresh client's sync on each
 * endpoint, and the log replayed by time travel and by the Markdown export.
 */
export interface ClauseReadings {
  readonly api: string;
  readonly freshPlain: string;
  readonly freshHocuspocus: string;
  readonly timeTravel: string;
  /** The whole Markdown export of the session, compared by `markersOf`. */
  readonly markdown: string;
}

/** The markers honest edits type (`q123z`), as found in a text, after Markdown's escapes and emphasis. */
export function markersOf(text: string): string[] {
  return [...text.replace(/[\\*_]/g, "").matchAll(/q\d+z/g)].map((m) => m[0]).sort();
}

export async function readClause(t: TestServer, doc: string, token: string): Promise<ClauseReadings> {
  const [session, section, clause] = doc.split("/");
  const sectionPath = `/api/sessions/${session}/sections/${section}`;
  const live = await api<ApiSection>(t.httpUrl, token, "GET", sectionPath);
  const found = live.body.clauses.find((c) => c.id === clause);
  if (!found) throw new Error(`no clause ${doc} in the section API: ${JSON.stringify(live.body)}`);
  const plain = plainClient(t.wsUrl, doc, token);
  const socket = multiplexedSocket(t.wsUrl, token);
  const hocuspocus = attachDocument(socket, doc, token);
  await waitUntil(() => plain.provider.synced && hocuspocus.synced, `fresh clients of ${doc} synced`);
  const freshPlain = clauseText(plain.doc);
  const freshHocuspocus = clauseText(hocuspocus.document);
  plain.provider.destroy();
  hocuspocus.destroy();
  socket.destroy();
  const then = await api<ApiClause>(t.httpUrl, token, "GET", `${sectionPath}/clauses/${clause}?at=now`);
  const md = await fetch(`${t.httpUrl}/api/sessions/${session}/export?format=md`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { api: found.text, freshPlain, freshHocuspocus, timeTravel: then.body.text, markdown: await md.text() };
}

/** Asserts that every reading is the same text; returns it. */
export function expectOneText(readings: ClauseReadings, where: string): string {
  const { api: live, freshPlain, freshHocuspocus, timeTravel, markdown } = readings;
  expect({ where, freshPlain, freshHocuspocus, timeTravel }).toEqual({
    where,
    freshPlain: live,
    freshHocuspocus: live,
    timeTravel: live,
  });
  expect(markersOf(markdown), `${where}: markers in the Markdown export`).toEqual(markersOf(live));
  return live;
}

/**
 * The clause as the store holds it, read with plain Yjs: every stored update of its history
 * integrates (nothing pending), and the snapshot plus what follows it reads the same.
 */
export async function storedTexts(store: Store, doc: string): Promise<{ history: string; snapshot: string }> {
  const all = new Y.Doc();
  for (const record of await store.history(doc)) Y.applyUpdate(all, record.update);
  expect(all.store.pendingStructs, `pending structs in the stored history of ${doc}`).toBeNull();
  expect(all.store.pendingDs, `pending deletes in the stored history of ${doc}`).toBeNull();
  const log = await store.load(doc);
  const compacted = new Y.Doc();
  for (const update of log.snapshot ? [log.snapshot, ...log.updates] : log.updates) Y.applyUpdate(compacted, update);
  expect(compacted.store.pendingStructs).toBeNull();
  return { history: clauseText(all), snapshot: clauseText(compacted) };
}
