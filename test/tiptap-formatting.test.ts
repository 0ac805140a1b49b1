import { getSchema } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { EditorState } from "@tiptap/pm/state";
import { updateYFragment, ySyncPluginKey, yXmlFragmentToProseMirrorRootNode } from "@tiptap/y-tiptap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bracketRuns, lastRunOf, setBracketAttrs } from "../client/src/editor/tiptap/brackets.ts";
import { baseExtensions } from "../client/src/editor/tiptap/marks.ts";
import { minimalFormattingFor, narrowDelta } from "../client/src/editor/tiptap/minimalFormatting.ts";
import { SEED } from "../packages/model/test/support/clauseArbitraries.ts";

/*
 * The Tiptap room's Yjs binding writes a formatting pass over a whole paragraph on every local
 * change. These tests run that binding (y-prosemirror's updateYFragment, what Tiptap's
 * Collaboration extension calls on each transaction) headless, on several replicas exchanging
 * updates through a relay in a seeded random order, with and without the narrowing the room
 * installs (client/src/editor/tiptap/minimalFormatting.ts).
 */

const schema = getSchema(baseExtensions);
const EDUCATION = { id: "bX", by: ["CEPT"], reason: "substantive", group: null, note: null } as const;
const LEARNING = { id: "bY", by: ["CEPT"], reason: "alternative", group: "g1", note: null } as const;

/** A small seeded generator: the same interleavings on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const fragmentOf = (doc: Y.Doc) => doc.getXmlFragment("default");
const pmOf = (doc: Y.Doc): PMNode => yXmlFragmentToProseMirrorRootNode(fragmentOf(doc), schema);
const commit = (doc: Y.Doc, next: PMNode) =>
  doc.transact(
    () => updateYFragment(doc, fragmentOf(doc), next, { mapping: new Map(), isOMark: new Map() }),
    ySyncPluginKey,
  );

interface Replica {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly outbox: Uint8Array[];
  readonly inbox: Uint8Array[];
}

function replicaOf(name: string, relay: Y.Doc, narrowed: boolean): Replica {
  const doc = new Y.Doc();
  fragmentOf(doc);
  if (narrowed) minimalFormattingFor(doc);
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(relay), "remote");
  const replica: Replica = { name, doc, outbox: [], inbox: [] };
  // Everything the page writes goes to the server, Yjs's own clean-ups of remote changes too.
  doc.on("update", (update: Uint8Array, origin: unknown) => {
    if (origin !== "remote") replica.outbox.push(update);
  });
  return replica;
}

function clause(): Y.Doc {
  const relay = new Y.Doc();
  commit(
    relay,
    schema.node("doc", null, [
      schema.node("paragraph", null, [
        schema.text("health, "),
        schema.text("education", [schema.marks.bracket!.create(EDUCATION)]),
        schema.text(", agriculture and government."),
      ]),
    ]),
  );
  return relay;
}

/** Brackets of the relay's copy as `id:text`, in order. */
function bracketsOf(doc: Y.Doc): string[] {
  const pm = pmOf(doc);
  return bracketRuns(pm).map((run) => `${run.id}:${pm.textBetween(run.from, run.to)}`);
}

/**
 * Ana types a sentence at the end of the paragraph while Ben adds an alternative to [education]
 * and types "learning" over its placeholder, as the room's alternative command does; every
 * update reaches the relay and the other page in a seeded random order.
 */
function actOut(seed: number, narrowed: boolean) {
  const relay = clause();
  const ana = replicaOf("ana", relay, narrowed);
  const ben = replicaOf("ben", relay, narrowed);
  const replicas = [ana, ben];
  const random = lcg(seed);
  const sentence = " Ana keeps typing while Ben works.";
  const word = "learning";
  let anaTyped = 0;
  let benTyped = -1; // -1: the alternative is not there yet
  const learning = schema.marks.bracket!.create(LEARNING);
  for (let step = 0; step < 1000; step++) {
    const moves: (() => void)[] = [];
    if (anaTyped < sentence.length) {
      moves.push(() => {
        const pm = pmOf(ana.doc);
        commit(
          ana.doc,
          EditorState.create({ doc: pm, schema }).tr.insertText(sentence[anaTyped] ?? "", pm.content.size - 1).doc,
        );
        anaTyped++;
      });
    }
    if (benTyped < word.length) {
      moves.push(() => {
        const pm = pmOf(ben.doc);
        const tr = EditorState.create({ doc: pm, schema }).tr;
        if (benTyped === -1) {
          const last = lastRunOf(pm, EDUCATION.id);
          if (!last) throw new Error("no [education] on Ben's page");
          setBracketAttrs(tr, EDUCATION.id, { ...EDUCATION, by: [...EDUCATION.by], group: "g1" });
          tr.insert(last.to, schema.text("alternative", [learning]));
        } else {
          const run = bracketRuns(pm)
            .filter((r) => r.id === LEARNING.id)
            .at(-1);
          if (!run) throw new Error("no [learning] on Ben's page");
          // The first letter replaces the selected placeholder; the others go at its end, in it.
          if (benTyped === 0) tr.replaceWith(run.from, run.to, schema.text(word[0] ?? "", [learning]));
          else tr.insert(run.to, schema.text(word[benTyped] ?? "", [learning]));
        }
        commit(ben.doc, tr.doc);
        benTyped++;
      });
    }
    for (const replica of replicas) {
      const sent = replica.outbox[0];
      if (sent) {
        moves.push(() => {
          replica.outbox.shift();
          Y.applyUpdate(relay, sent, replica.name);
          for (const other of replicas) if (other !== replica) other.inbox.push(sent);
        });
      }
      const received = replica.inbox[0];
      if (received) {
        moves.push(() => {
          replica.inbox.shift();
          Y.applyUpdate(replica.doc, received, "remote");
        });
      }
    }
    const move = moves[Math.floor(random() * moves.length)];
    if (!move) break;
    move();
  }
  return {
    brackets: bracketsOf(relay),
    text: pmOf(relay).textContent,
    converged: [ana, ben].every((r) => pmOf(r.doc).eq(pmOf(relay))),
  };
}

/** Each character with its attributes: the content, however Yjs splits it into runs. */
function perCharacter(text: Y.Text): { char: string; attributes: unknown }[] {
  return (text.toDelta() as { insert: string; attributes?: unknown }[]).flatMap((op) =>
    [...op.insert].map((char) => ({ char, attributes: op.attributes ?? {} })),
  );
}

describe("the Tiptap room's formatting passes touch only what changes", () => {
  const SEEDS = Array.from({ length: 300 }, (_, i) => SEED + i);

  it("an alternative typed in place while someone types at the end of the paragraph: in 300 seeded interleavings each bracket holds exactly its words, and every page shows what the server holds", () => {
    for (const seed of SEEDS) {
      const outcome = actOut(seed, true);
      expect(outcome, `seed ${seed}`).toEqual({
        brackets: ["bX:education", "bY:learning"],
        text: "health, educationlearning, agriculture and government. Ana keeps typing while Ben works.",
        converged: true,
      });
    }
  });

  it("without the narrowing, the same interleavings break brackets (why the room installs it)", () => {
    const broken = SEEDS.filter((seed) => actOut(seed, false).brackets.join() !== "bX:education,bY:learning");
    expect(broken.length).toBeGreaterThan(0);
  });

  it("a keystroke outside every bracket writes no format marker and deletes none", () => {
    const relay = clause();
    const ana = replicaOf("ana", relay, true);
    const pm = pmOf(ana.doc);
    commit(ana.doc, EditorState.create({ doc: pm, schema }).tr.insertText("!", pm.content.size - 1).doc);
    expect(ana.outbox).toHaveLength(1);
    const decoded = Y.decodeUpdate(ana.outbox[0] ?? new Uint8Array());
    expect(decoded.structs.map((s) => (s instanceof Y.Item ? s.content.constructor.name : "GC"))).toEqual([
      "ContentString",
    ]);
    expect(decoded.ds.clients.size).toBe(0);
  });

  it("narrowing a formatting delta never changes the content it produces (seeded property)", () => {
    const values = [null, true, { id: "b1", by: ["FR"] }, { id: "b1", by: ["FR"] }, { id: "b2", by: ["US", "FR"] }];
    const attrs = fc.record({
      bracket: fc.constantFrom(...values),
      bold: fc.constantFrom(null, true),
    });
    const span = fc.record({ length: fc.integer({ min: 1, max: 6 }), attrs });
    fc.assert(
      fc.property(
        fc.array(span, { minLength: 1, maxLength: 8 }),
        fc.array(span, { minLength: 1, maxLength: 8 }),
        (initial, pass) => {
          const make = (narrowed: boolean) => {
            const doc = new Y.Doc();
            const text = doc.get("t", Y.XmlText);
            let at = 0;
            for (const s of initial) {
              text.insert(
                at,
                "x".repeat(s.length),
                Object.fromEntries(Object.entries(s.attrs).filter(([, v]) => v !== null)),
              );
              at += s.length;
            }
            if (narrowed) minimalFormattingFor(doc);
            return { doc, text };
          };
          const plain = make(false);
          const narrowed = make(true);
          // A pass over the text (not past its end), as the binding writes one.
          let left = initial.reduce((sum, s) => sum + s.length, 0);
          const delta = pass.flatMap((s) => {
            const retain = Math.min(s.length, left);
            left -= retain;
            return retain > 0 ? [{ retain, attributes: { ...s.attrs } }] : [];
          });
          plain.text.applyDelta(delta);
          narrowed.text.applyDelta(delta);
          expect(perCharacter(narrowed.text)).toEqual(perCharacter(plain.text));
          // And the narrowed pass asks Yjs to format no run that already has what it wants.
          const again = narrowDelta(narrowed.text, delta);
          expect(again.every((op) => op.attributes === undefined)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
