import {
  type Actor,
  type ClauseBracket,
  type ClauseLayout,
  decideBracketEdit,
  needsOwnershipCheck,
  prosemirrorLayout,
} from "@gavel/model";
import * as Y from "yjs";

/** A write refused for bracket ownership (SPEC BO5), answered as a lock refusal is. */
export interface BracketRefusal {
  readonly code: "BRACKET_OWNED";
  readonly reason: string;
}

/**
 * Bracket ownership on the write path of one clause (SPEC BO). Off the common keystroke
 * (BO4): it keeps the brackets of the document writes land on, and a delegate whose delegation
 * holds all of them is not checked. Only when the clause holds a bracket of another delegation
 * is the write applied to a copy (the base itself is never touched) and the brackets before
 * and after it compared (decideBracketEdit).
 *
 * The kept brackets are exact or stale only towards "more to check": a transaction that may
 * add a bracket or change whose it is (the layout's bracketsMayChange) drops them, and they are read
 * again at the next delegate's write. The copy is kept for the next check while it still
 * equals the base (one delegate typing in a clause with another's bracket pays one apply and
 * one read per keystroke, not a copy).
 */
export class BracketGuard {
  private base: Y.Doc | null = null;
  private known: readonly ClauseBracket[] | null = null;
  private replica: { readonly doc: Y.Doc; brackets: readonly ClauseBracket[] } | null = null;
  private readonly watch = (transaction: Y.Transaction): void => {
    if (this.known !== null && this.layout.bracketsMayChange(transaction)) this.known = null;
  };

  /** `layout`: the clause layout of the session (its brackets are read through it). */
  constructor(private readonly layout: ClauseLayout = prosemirrorLayout) {}

  /**
   * Whether `writer` may apply `update` to `base`, the state it will land on (the live document
   * plus the writes in flight to the store). Applies nothing to `base`; an update Yjs cannot
   * apply is left for the caller's validation to answer.
   */
  refusal(writer: Actor | null, base: Y.Doc, update: Uint8Array): BracketRefusal | null {
    if (writer === null || writer.role !== "delegate") return null;
    this.follow(base);
    this.known ??= this.layout.read(base).brackets;
    if (!needsOwnershipCheck(writer, this.known)) return null;
    const replica = this.replicaOf(base);
    try {
      Y.applyUpdate(replica.doc, update);
    } catch {
      this.replica = null;
      return null;
    }
    const after = this.layout.read(replica.doc).brackets;
    const decision = decideBracketEdit(writer, replica.brackets, after);
    if (decision.ok) {
      replica.brackets = after;
      return null;
    }
    this.replica = null; // it holds the refused update
    return { code: "BRACKET_OWNED", reason: `${decision.error.rule}: ${decision.error.message}` };
  }

  /** A copy of `base` with its brackets: the one kept from the last check when it still equals `base`. */
  private replicaOf(base: Y.Doc): { readonly doc: Y.Doc; brackets: readonly ClauseBracket[] } {
    if (this.replica && Y.equalSnapshots(Y.snapshot(this.replica.doc), Y.snapshot(base))) return this.replica;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    this.replica = { doc, brackets: this.layout.read(doc).brackets };
    return this.replica;
  }

  private follow(base: Y.Doc): void {
    if (base === this.base) return;
    this.base?.off("afterTransaction", this.watch);
    base.on("afterTransaction", this.watch);
    this.base = base;
    this.known = null;
    this.replica = null;
  }
}

/** The y-prosemirror detector, kept under its old name for its tests. */
export const bracketsMayChange = prosemirrorLayout.bracketsMayChange;
