import { type DocName, parseDocName, sectionKeyOf } from "@gavel/model";

/** Names the stores have parsed and found valid: every append checks its records' names again. */
const parsed = new Map<string, DocName>();
/** Bound on `parsed`: past it the memo starts again (a server holds far fewer live documents). */
const MAX_PARSED = 10_000;

/** The store's own check of a document name (the transport checked it first): throws when invalid. */
export function checkDoc(doc: string): DocName {
  const known = parsed.get(doc);
  if (known !== undefined) return known;
  const result = parseDocName(doc);
  if (!result.ok) throw new Error(`invalid document name ${JSON.stringify(doc)}: ${result.reason}`);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(doc, result.value);
  return result.value;
}

/** The section key (SESSION/SECTION) of a valid document name. */
export function sectionOf(doc: string): string {
  return sectionKeyOf(checkDoc(doc));
}

export function checkSectionKey(sectionKey: string): void {
  if (checkDoc(sectionKey).kind !== "index")
    throw new Error(`invalid section key ${JSON.stringify(sectionKey)}: expected SESSION/SECTION`);
}
