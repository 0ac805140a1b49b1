import type { BracketReason, ConsensusState, IndexedClause, RoomCommand } from "@gavel/model";
import { type CommandOutcome, refusalMessage } from "./commands.ts";
import type { ClauseEditorHandle, EditorSelection, EditResult } from "./editor/ClauseEditor.ts";
import { canRestructure, canWrite, type Identity } from "./identity.ts";

/** What the toolbar's fields hold; the actions read them when they run. */
export interface ToolFields {
  readonly bracketBy: string;
  readonly bracketReason: BracketReason;
  readonly bracketNote: string;
  readonly state: ConsensusState;
  readonly pending: string;
  readonly lockReason: string;
}

export interface ActionContext {
  readonly identity: Identity;
  readonly section: string;
  readonly clauses: readonly IndexedClause[];
  /** The clause the toolbar acts on: the one last focused or clicked. */
  readonly clause: IndexedClause | null;
  readonly editor: ClauseEditorHandle | null;
  readonly editable: boolean;
  readonly selection: EditorSelection;
  readonly fields: ToolFields;
  readonly takenUp: string | null;
  /** Other sections with a clause under discussion: taking one up here ends those. */
  readonly takenUpElsewhere: () => readonly string[];
  readonly run: (command: RoomCommand) => Promise<CommandOutcome>;
  /** Inserts a clause after `after` (null: at the start) and focuses it with its text selected. */
  readonly propose: (after: string | null) => Promise<ActionResult>;
  /**
   * Delegation codes this screen knows, as spelled in tokens: people in the room, proposers of
   * brackets and delegations named in consensus states, across the session.
   */
  readonly delegations: () => readonly string[];
}

/**
 * `clause`: the clause the result is about, when not the one acted on (a clause just proposed);
 * null when it is about none in particular (a clause deleted: it stays in sight whatever is selected).
 */
export type ActionResult =
  | { readonly ok: true; readonly message?: string; readonly clause?: string | null }
  | { readonly ok: false; readonly message: string; readonly clause?: string | null };

export type ActionGroup = "bracket" | "clause" | "chair";

export interface Shortcut {
  /** KeyboardEvent.code, e.g. "KeyB": layout-independent. */
  readonly code: string;
  /** What the toolbar and tooltips show. */
  readonly label: string;
}

export interface Action {
  readonly id: string;
  readonly group: ActionGroup;
  readonly label: (ctx: ActionContext) => string;
  readonly shortcut?: Shortcut;
  /** Whether this role ever sees the action. */
  readonly may: (identity: Identity) => boolean;
  /** Null when it can run now, else why not (shown as the button's description). */
  readonly unavailable: (ctx: ActionContext) => string | null;
  readonly perform: (ctx: ActionContext) => Promise<ActionResult> | ActionResult;
  /** A question to confirm first (asked next to the control, never in a modal). */
  readonly confirm?: (ctx: ActionContext) => string;
  /** The fields the action consumes: emptied once it succeeds, so they never act twice. */
  readonly clears?: readonly (keyof ToolFields)[];
}

export const STATE_NAMES: Record<ConsensusState, string> = {
  open: "open",
  agreed_ad_ref: "agreed ad referendum",
  agreed: "agreed",
};

const alt = (key: string): Shortcut => ({ code: `Key${key}`, label: `Alt+Shift+${key}` });
const isChair = (identity: Identity) => identity.role === "chair";
const list = (text: string) =>
  text
    .split(",")
    .map((code) => code.trim())
    .filter(Boolean);

/**
 * Typed delegation codes, each spelled as a delegation this screen knows when one matches it but
 * for case ("cept" is CEPT): codes are compared exactly with tokens (SPEC CS4, BO1), so "cept"
 * pending would never be confirmed by CEPT. Codes no one here has used are kept as typed (a
 * delegation to confirm ad referendum may be absent) and returned apart, to be said.
 */
export function spelled(typed: string, known: readonly string[]): { codes: string[]; unknown: string[] } {
  const byCase = new Map<string, string>();
  for (const code of known) if (!byCase.has(code.toUpperCase())) byCase.set(code.toUpperCase(), code);
  const codes: string[] = [];
  const unknown: string[] = [];
  for (const code of list(typed)) {
    // The first spelling known wins, exact or not: `known` lists the surest sources first.
    const spelling = byCase.get(code.toUpperCase()) ?? code;
    if (codes.includes(spelling)) continue;
    codes.push(spelling);
    if (!known.includes(spelling)) unknown.push(spelling);
  }
  return { codes, unknown };
}

/** "; no delegate of XYZ has been seen in this session" when some codes are new here. */
function unseen(unknown: readonly string[]): string {
  if (unknown.length === 0) return "";
  return ` No one of ${unknown.join(", ")} has been seen in this session: check the ${unknown.length === 1 ? "code" : "codes"}.`;
}

function fromEdit(result: EditResult, done: string): ActionResult {
  return result.ok ? { ok: true, message: done } : { ok: false, message: result.message };
}

async function fromCommand(outcome: Promise<CommandOutcome>, done: string): Promise<ActionResult> {
  const result = await outcome;
  return result.ok ? { ok: true, message: done } : { ok: false, message: refusalMessage(result.code, result.message) };
}

/** Bracket acts need an editable clause with the cursor in it. */
function editing(ctx: ActionContext): string | null {
  if (!ctx.clause || !ctx.editor) return "Select a clause first.";
  if (!ctx.editable) return ctx.clause.lock ? "The clause is locked." : "This clause cannot be edited.";
  return null;
}

/** The delegations a bracket is made for: one's own, or (chair, secretariat) those typed in. */
export function proposersOf(ctx: ActionContext): string[] {
  if (ctx.identity.role === "delegate") return ctx.identity.delegation ? [ctx.identity.delegation] : [];
  return spelled(ctx.fields.bracketBy, ctx.delegations()).codes;
}

function moveBy(ctx: ActionContext, delta: number): Promise<ActionResult> | ActionResult {
  const clause = ctx.clause;
  if (!clause) return { ok: false, message: "Select a clause first." };
  const order = ctx.clauses.map((c) => c.id);
  const target = order.indexOf(clause.id) + delta;
  if (target < 0 || target >= order.length) return { ok: false, message: "It is already at the edge of the section." };
  const without = order.filter((id) => id !== clause.id);
  const after = target === 0 ? null : (without[target - 1] ?? null);
  return fromCommand(
    ctx.run({ type: "moveClause", section: ctx.section, clause: clause.id, after }),
    `Clause ${clause.label} moved.`,
  );
}

/**
 * Every act of the room, defined once: the toolbar draws them, the keyboard runs them by their
 * shortcut, and each answers with a result shown next to its control.
 */
export const ACTIONS: readonly Action[] = [
  {
    id: "bracket",
    group: "bracket",
    label: () => "Bracket",
    clears: ["bracketNote"],
    shortcut: alt("B"),
    may: canWrite,
    unavailable: (ctx) => editing(ctx) ?? (ctx.selection.empty ? "Select the text to bracket." : null),
    perform: (ctx) => {
      const by = proposersOf(ctx);
      const note = ctx.fields.bracketNote.trim();
      const result = ctx.editor?.bracket({ by, reason: ctx.fields.bracketReason, note: note || null });
      return result ? fromEdit(result, `Bracketed for ${by.join(", ")}.`) : { ok: false, message: "No clause." };
    },
  },
  {
    id: "cosponsor",
    group: "bracket",
    label: (ctx) => (ctx.identity.delegation ? `Co-sponsor for ${ctx.identity.delegation}` : "Co-sponsor"),
    shortcut: alt("C"),
    may: (identity) => canWrite(identity) && identity.delegation !== null,
    unavailable: (ctx) => {
      const bracket = ctx.selection.bracket;
      if (editing(ctx)) return editing(ctx);
      if (!bracket) return "Put the cursor in a bracket.";
      return ctx.identity.delegation && bracket.by.includes(ctx.identity.delegation) ? "You propose it already." : null;
    },
    perform: (ctx) => {
      const delegation = ctx.identity.delegation;
      if (!ctx.editor || !delegation) return { ok: false, message: "No delegation to add." };
      return fromEdit(ctx.editor.coSponsor(delegation), `${delegation} co-sponsors the bracket.`);
    },
  },
  {
    id: "alternative",
    group: "bracket",
    label: () => "Alternative",
    shortcut: alt("A"),
    may: canWrite,
    unavailable: (ctx) => editing(ctx) ?? (ctx.selection.bracket ? null : "Put the cursor in a bracket."),
    perform: (ctx) =>
      ctx.editor
        ? fromEdit(ctx.editor.alternative(proposersOf(ctx)), "Type the alternative over the selected word.")
        : { ok: false, message: "No clause." },
  },
  {
    id: "withdraw",
    group: "bracket",
    label: (ctx) => (canRestructure(ctx.identity) ? "Remove bracket" : "Withdraw"),
    shortcut: alt("W"),
    may: canWrite,
    unavailable: (ctx) => {
      const bracket = ctx.selection.bracket;
      if (editing(ctx)) return editing(ctx);
      if (!bracket) return "Put the cursor in a bracket.";
      if (canRestructure(ctx.identity)) return null;
      return ctx.identity.delegation && bracket.by.includes(ctx.identity.delegation)
        ? null
        : "Only its proposers may withdraw it.";
    },
    perform: (ctx) => {
      if (!ctx.editor) return { ok: false, message: "No clause." };
      const who = canRestructure(ctx.identity) ? null : ctx.identity.delegation;
      return fromEdit(ctx.editor.withdraw(who), who ? `${who} withdrew from the bracket.` : "Bracket removed.");
    },
  },
  {
    id: "propose",
    group: "clause",
    label: (ctx) => (ctx.identity.role === "delegate" ? "Propose clause" : "Insert clause"),
    shortcut: alt("N"),
    may: canWrite,
    unavailable: () => null,
    perform: (ctx) => ctx.propose(ctx.clause?.id ?? ctx.clauses.at(-1)?.id ?? null),
  },
  {
    id: "move-up",
    group: "clause",
    label: () => "Move up",
    may: canRestructure,
    unavailable: (ctx) => (ctx.clause ? null : "Select a clause first."),
    perform: (ctx) => moveBy(ctx, -1),
  },
  {
    id: "move-down",
    group: "clause",
    label: () => "Move down",
    may: canRestructure,
    unavailable: (ctx) => (ctx.clause ? null : "Select a clause first."),
    perform: (ctx) => moveBy(ctx, 1),
  },
  {
    id: "delete",
    group: "clause",
    label: () => "Delete",
    may: canRestructure,
    unavailable: (ctx) => (!ctx.clause ? "Select a clause first." : ctx.clause.lock ? "It is locked." : null),
    confirm: (ctx) => `Delete clause ${ctx.clause?.label ?? ""}?`,
    perform: (ctx) => {
      const clause = ctx.clause;
      if (!clause) return { ok: false, message: "Select a clause first." };
      return fromCommand(
        ctx.run({ type: "deleteClause", section: ctx.section, clause: clause.id }),
        `Clause ${clause.label} deleted.`,
      ).then((result) => (result.ok ? { ...result, clause: null } : result));
    },
  },
  {
    id: "take-up",
    group: "clause",
    label: (ctx) => (ctx.clause && ctx.takenUp === ctx.clause.id ? "Release" : "Take up"),
    shortcut: alt("T"),
    may: canRestructure,
    unavailable: (ctx) => (ctx.clause ? null : "Select a clause first."),
    perform: (ctx) => {
      const clause = ctx.clause;
      if (!clause) return { ok: false, message: "Select a clause first." };
      const release = ctx.takenUp === clause.id;
      // One clause is under discussion in the whole session.
      const others = release ? [] : ctx.takenUpElsewhere();
      return Promise.all(others.map((section) => ctx.run({ type: "takeUp", section, clause: null }))).then(() =>
        fromCommand(
          ctx.run({ type: "takeUp", section: ctx.section, clause: release ? null : clause.id }),
          release ? "No clause is under discussion." : `Clause ${clause.label} is under discussion.`,
        ),
      );
    },
  },
  {
    id: "set-state",
    group: "chair",
    label: () => "Set state",
    may: isChair,
    unavailable: (ctx) => (ctx.clause ? null : "Select a clause first."),
    perform: (ctx) => {
      const clause = ctx.clause;
      if (!clause) return { ok: false, message: "Select a clause first." };
      const { state } = ctx.fields;
      const { codes, unknown } = spelled(ctx.fields.pending, ctx.delegations());
      const pending = state === "agreed_ad_ref" ? codes : undefined;
      const done = pending
        ? `Clause ${clause.label}: ${STATE_NAMES[state]}, pending ${pending.join(", ")}.${unseen(unknown)}`
        : `Clause ${clause.label}: ${STATE_NAMES[state]}.`;
      return fromCommand(
        ctx.run({ type: "setConsensus", section: ctx.section, clause: clause.id, state, pending }),
        done,
      );
    },
  },
  {
    id: "lock",
    group: "chair",
    label: () => "Lock",
    clears: ["lockReason"],
    shortcut: alt("L"),
    may: isChair,
    unavailable: (ctx) => {
      if (!ctx.clause) return "Select a clause first.";
      if (ctx.clause.lock) return "It is locked.";
      // Said here, before the server refuses it (SPEC LK2).
      if (ctx.clause.consensus.state !== "agreed" && !ctx.fields.lockReason.trim())
        return "Give a reason to lock a clause that is not agreed (LK2).";
      return null;
    },
    perform: (ctx) => {
      const clause = ctx.clause;
      if (!clause) return { ok: false, message: "Select a clause first." };
      const reason = ctx.fields.lockReason.trim();
      return fromCommand(
        ctx.run({ type: "lock", section: ctx.section, clause: clause.id, reason: reason || undefined }),
        `Clause ${clause.label} locked.`,
      );
    },
  },
  {
    id: "unlock",
    group: "chair",
    label: () => "Unlock",
    clears: ["lockReason"],
    may: isChair,
    unavailable: (ctx) => {
      if (!ctx.clause) return "Select a clause first.";
      if (!ctx.clause.lock) return "It is not locked.";
      return ctx.fields.lockReason.trim() ? null : "Give a reason to unlock it (LK3).";
    },
    perform: (ctx) => {
      const clause = ctx.clause;
      if (!clause) return { ok: false, message: "Select a clause first." };
      return fromCommand(
        ctx.run({ type: "unlock", section: ctx.section, clause: clause.id, reason: ctx.fields.lockReason.trim() }),
        `Clause ${clause.label} unlocked.`,
      );
    },
  },
];

export function actionsFor(identity: Identity, group: ActionGroup): Action[] {
  return ACTIONS.filter((action) => action.group === group && action.may(identity));
}

/** The action a key press asks for (Alt+Shift+letter), if this role has it. */
export function actionForKey(identity: Identity, event: KeyboardEvent): Action | null {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return null;
  return ACTIONS.find((a) => a.shortcut?.code === event.code && a.may(identity)) ?? null;
}
