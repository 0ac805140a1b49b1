/**
 * Document names are the only client-chosen strings that reach storage keys, so they are
 * checked here, once, against a strict pattern: lower-case ASCII segments, no dots, no slashes
 * inside a segment, bounded length.
 */
const SEGMENT = /^[a-z0-9][a-z0-9-]{0,47}$/;

export type DocName =
  | { readonly kind: "index"; readonly name: string; readonly session: string; readonly section: string }
  | {
      readonly kind: "clause";
      readonly name: string;
      readonly session: string;
      readonly section: string;
      readonly clause: string;
    };

export type ParsedName =
  | { readonly ok: true; readonly value: DocName }
  | { readonly ok: false; readonly reason: string };

export function isValidSegment(segment: string): boolean {
  return SEGMENT.test(segment);
}

export function parseDocName(name: string): ParsedName {
  if (name.length > 160) return { ok: false, reason: "document name too long" };
  const parts = name.split("/");
  if (!parts.every(isValidSegment)) {
    return { ok: false, reason: "document name must be SESSION/SECTION or SESSION/SECTION/CLAUSE of [a-z0-9-]" };
  }
  const [session, section, clause] = parts;
  if (parts.length === 2 && session !== undefined && section !== undefined) {
    return { ok: true, value: { kind: "index", name, session, section } };
  }
  if (parts.length === 3 && session !== undefined && section !== undefined && clause !== undefined) {
    return { ok: true, value: { kind: "clause", name, session, section, clause } };
  }
  return { ok: false, reason: "document name must be SESSION/SECTION or SESSION/SECTION/CLAUSE" };
}

export function indexDocName(session: string, section: string): string {
  return `${session}/${section}`;
}

export function clauseDocName(session: string, section: string, clause: string): string {
  return `${session}/${section}/${clause}`;
}

/** The section a document belongs to: the unit of a Redis log stream. */
export function sectionKeyOf(doc: DocName): string {
  return `${doc.session}/${doc.section}`;
}
