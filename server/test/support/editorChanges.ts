import * as Y from "yjs";
import type { Rng } from "./prng.ts";

/**
 * Keystroke-sized changes to a clause, as the room's editor makes them: the property tests of
 * hostile updates (unit and over sockets) damage these.
 */

/** Some text node of the clause (made when there is none): damaged updates may reshape it. */
function someText(doc: Y.Doc, rng: Rng): Y.XmlText {
  const texts: Y.XmlText[] = [];
  const visit = (node: Y.XmlFragment | Y.XmlElement) => {
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) texts.push(child);
      else if (child instanceof Y.XmlElement) visit(child);
    }
  };
  const fragment = doc.getXmlFragment("default");
  visit(fragment);
  if (texts.length > 0) return rng.pick(texts);
  const paragraph = new Y.XmlElement("paragraph");
  const text = new Y.XmlText();
  paragraph.insert(0, [text]);
  fragment.insert(fragment.length, [paragraph]);
  return text;
}

/** One editor keystroke-sized change, as Tiptap makes them; `marker` is the text typed. */
export function editorChange(doc: Y.Doc, rng: Rng, marker: string): void {
  const text = someText(doc, rng);
  const roll = rng.next();
  if (roll < 0.6 || text.length < 2) text.insert(rng.int(0, text.length), ` ${marker}`);
  else if (roll < 0.8) text.delete(rng.int(0, text.length - 2), rng.int(1, 2));
  else if (roll < 0.9) text.format(rng.int(0, text.length - 2), 2, { bold: rng.next() < 0.5 ? {} : null });
  else text.format(rng.int(0, text.length - 2), 2, { bracket: { id: `b${rng.int(1, 99)}`, by: ["AFR"], reason: "" } });
}

/** The update one such change makes. */
export function changeOf(doc: Y.Doc, rng: Rng, marker: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  editorChange(doc, rng, marker);
  return Y.encodeStateAsUpdate(doc, before);
}
