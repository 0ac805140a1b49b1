import { clauseDocName, type DocName, indexDocName } from "@gavel/model";

/** A section index's name, already valid (built from validated segments). */
export function indexRef(session: string, section: string): DocName {
  return { kind: "index", name: indexDocName(session, section), session, section };
}

export function clauseRef(session: string, section: string, clause: string): DocName {
  return { kind: "clause", name: clauseDocName(session, section, clause), session, section, clause };
}
