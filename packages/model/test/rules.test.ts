import { describe, expect, it } from "vitest";
import {
  type Actor,
  type ClauseEntry,
  type ClauseFigures,
  type Consensus,
  consensusAfterEdit,
  DEFAULT_SESSION_OPTIONS,
  decideConfirm,
  decideDelete,
  decideInsert,
  decideLock,
  decideMove,
  decideRenumber,
  decideSetConsensus,
  decideTakeUp,
  decideUnlock,
  MAX_REASON_LENGTH,
  NO_FIGURES,
  type Role,
  RULE_ERROR_CODES,
  RULE_IDS,
  type RuleContext,
  type RuleDecision,
  type RuleErrorCode,
  type RuleId,
  type Stamp,
  stampOf,
} from "../src/index.ts";

const AT = "2022-06-10T15:30:00.000Z";
const CHAIR_SET: Stamp = { sub: "u-chair", name: "Chair", at: "2022-06-09T10:00:00.000Z" };

function actor(role: Role, delegation: string | null = role === "delegate" ? "ARB" : null): Actor {
  return { sub: `u-${role}-${delegation ?? "none"}`, name: `The ${role}`, role, delegation, session: "wtdc" };
}

function ctx(who: Actor, secretariatMayLock = false): RuleContext {
  return { actor: who, now: stampOf(who, AT), options: { secretariatMayLock } };
}

function brackets(openBrackets: number): ClauseFigures {
  return { openBrackets, alternatives: 0, byDelegation: openBrackets > 0 ? { AFR: openBrackets } : {} };
}

function entry(overrides: Partial<ClauseEntry> = {}): ClauseEntry {
  return {
    id: "c1",
    createdAt: "2022-06-06T09:00:00.000Z",
    createdBy: "u-secretariat",
    consensus: { state: "open" },
    lock: null,
    number: 1,
    formerNumbers: [],
    figures: NO_FIGURES,
    ...overrides,
  };
}

const LOCK = { ...CHAIR_SET, reason: null };
const AGREED: Consensus = { state: "agreed", set: CHAIR_SET, confirmed: [] };
const AD_REF: Consensus = { state: "agreed_ad_ref", pending: ["ARB", "RCC"], confirmed: [], set: CHAIR_SET };

function refused<T extends object>(decision: RuleDecision<T>, code: RuleErrorCode, rule: RuleId): void {
  expect(decision.ok, JSON.stringify(decision)).toBe(false);
  if (decision.ok) return;
  expect(decision.error.code).toBe(code);
  expect(decision.error.rule).toBe(rule);
  expect(decision.error.message.length).toBeGreaterThan(0);
}

function accepted<T extends object>(decision: RuleDecision<T>): { readonly ok: true } & T {
  if (!decision.ok) throw new Error(`refused: ${JSON.stringify(decision.error)}`);
  return decision;
}

const chair = actor("chair");
const secretariat = actor("secretariat");
const delegate = actor("delegate");
const observer = actor("observer", "ARB");
const section = [entry({ id: "c1" }), entry({ id: "c2", number: 2 }), entry({ id: "c3", number: 3, lock: LOCK })];

/** Every command, with a payload that the chair could have sent. */
const COMMANDS: Record<string, (c: RuleContext) => RuleDecision<object>> = {
  setConsensus: (c) => decideSetConsensus(c, entry(), { state: "agreed" }),
  confirm: (c) => decideConfirm(c, entry({ consensus: AD_REF })),
  lock: (c) => decideLock(c, entry({ consensus: AGREED }), {}),
  unlock: (c) => decideUnlock(c, entry({ lock: LOCK }), { reason: "to correct a typo" }),
  insertClause: (c) => decideInsert(c, section, { after: null, text: "New text." }),
  moveClause: (c) => decideMove(c, section, { clause: "c1", after: "c2" }),
  deleteClause: (c) => decideDelete(c, entry()),
  renumber: (c) => decideRenumber(c, section),
  takeUp: (c) => decideTakeUp(c, { clause: "c2" }),
};

describe("observers", () => {
  it.each(Object.entries(COMMANDS))("RO1: an observer cannot %s (FORBIDDEN)", (_, decide) => {
    refused(decide(ctx(observer, true)), "FORBIDDEN", "RO1");
  });

  it("RO1: an observer is refused before anything else, even on a locked clause", () => {
    refused(decideSetConsensus(ctx(observer), entry({ lock: LOCK }), { state: "bogus" as "open" }), "FORBIDDEN", "RO1");
    refused(decideDelete(ctx(observer), entry({ lock: LOCK })), "FORBIDDEN", "RO1");
  });

  it("RO1: the chair can do every command", () => {
    for (const decide of Object.values(COMMANDS)) {
      expect(decide(ctx(actor("chair", "ARB"))).ok).toBe(true);
    }
  });
});

describe("setConsensus", () => {
  it("CS1: refuses a state that does not exist (BAD_REQUEST)", () => {
    refused(decideSetConsensus(ctx(chair), entry(), { state: "consensus" as "open" }), "BAD_REQUEST", "CS1");
  });

  it.each([secretariat, delegate, actor("secretariat", "ARB")])(
    "CS2: only the chair sets the state, not $role (FORBIDDEN)",
    (who) => {
      refused(decideSetConsensus(ctx(who, true), entry(), { state: "agreed" }), "FORBIDDEN", "CS2");
    },
  );

  it("CS3: agreed needs zero open brackets (OPEN_BRACKETS)", () => {
    refused(
      decideSetConsensus(ctx(chair), entry({ figures: brackets(2) }), { state: "agreed" }),
      "OPEN_BRACKETS",
      "CS3",
    );
  });

  it("CS3: agreed ad referendum needs zero open brackets (OPEN_BRACKETS)", () => {
    const decision = decideSetConsensus(ctx(chair), entry({ figures: brackets(1) }), {
      state: "agreed_ad_ref",
      pending: ["ARB"],
    });
    refused(decision, "OPEN_BRACKETS", "CS3");
    // The room shows it after its own sentence ("The clause still has open brackets."): it adds the count.
    expect(decision.ok ? "" : decision.error.message).toBe("1 bracket to agree or withdraw first");
  });

  it("CS3: a bracketed clause can be set open", () => {
    const decision = accepted(
      decideSetConsensus(ctx(chair), entry({ consensus: AGREED, figures: brackets(1) }), { state: "open" }),
    );
    expect(decision.consensus).toEqual({ state: "open" });
  });

  it("CS3: an unbracketed clause is agreed with the chair's stamp", () => {
    const decision = accepted(decideSetConsensus(ctx(chair), entry(), { state: "agreed" }));
    expect(decision.consensus).toEqual({
      state: "agreed",
      set: { sub: chair.sub, name: chair.name, at: AT },
      confirmed: [],
    });
  });

  it.each([undefined, [], ["  "]])(
    "CS4: agreed ad referendum needs pending delegations, not %j (PENDING_REQUIRED)",
    (pending) => {
      const decision = decideSetConsensus(ctx(chair), entry(), { state: "agreed_ad_ref", pending });
      if (pending?.[0] === "  ") refused(decision, "BAD_REQUEST", "CS4");
      else refused(decision, "PENDING_REQUIRED", "CS4");
    },
  );

  it("CS4: pending delegations are trimmed and deduplicated in order", () => {
    const decision = accepted(
      decideSetConsensus(ctx(chair), entry(), { state: "agreed_ad_ref", pending: ["ARB", " RCC ", "ARB", "RCC"] }),
    );
    expect(decision.consensus).toMatchObject({ state: "agreed_ad_ref", pending: ["ARB", "RCC"], confirmed: [] });
  });

  it("CS4: malformed pending lists are refused (BAD_REQUEST)", () => {
    const bad: unknown[] = ["ARB", [3], ["x".repeat(33)], Array.from({ length: 65 }, (_, i) => `D${i}`), [null]];
    for (const pending of bad) {
      const decision = decideSetConsensus(ctx(chair), entry(), {
        state: "agreed_ad_ref",
        pending: pending as readonly string[],
      });
      refused(decision, "BAD_REQUEST", "CS4");
    }
  });

  it("CS4: pending delegations with another state are refused (BAD_REQUEST)", () => {
    refused(decideSetConsensus(ctx(chair), entry(), { state: "agreed", pending: ["ARB"] }), "BAD_REQUEST", "CS4");
    expect(decideSetConsensus(ctx(chair), entry(), { state: "agreed", pending: [] }).ok).toBe(true);
  });

  it.each(["open", "agreed", "agreed_ad_ref"] as const)("CS5: a locked clause cannot be set %s (LOCKED)", (state) => {
    const decision = decideSetConsensus(ctx(chair), entry({ consensus: AGREED, lock: LOCK }), {
      state,
      pending: state === "agreed_ad_ref" ? ["ARB"] : undefined,
    });
    refused(decision, "LOCKED", "CS5");
  });

  it("CS8: setting open drops the pending list and the confirmations", () => {
    const confirmed = { ...CHAIR_SET, delegation: "ARB" };
    const current: Consensus = { state: "agreed_ad_ref", pending: ["RCC"], confirmed: [confirmed], set: CHAIR_SET };
    const decision = accepted(decideSetConsensus(ctx(chair), entry({ consensus: current }), { state: "open" }));
    expect(decision.consensus).toEqual({ state: "open" });
  });

  it("CS8: setting agreed keeps the confirmations already given", () => {
    const confirmed = { ...CHAIR_SET, delegation: "ARB" };
    const current: Consensus = { state: "agreed_ad_ref", pending: ["RCC"], confirmed: [confirmed], set: CHAIR_SET };
    const decision = accepted(decideSetConsensus(ctx(chair), entry({ consensus: current }), { state: "agreed" }));
    expect(decision.consensus).toEqual({ state: "agreed", set: stampOf(chair, AT), confirmed: [confirmed] });
  });

  it("CS8: setting agreed ad referendum again keeps confirmations of delegations not pending anew", () => {
    const arb = { ...CHAIR_SET, delegation: "ARB" };
    const afr = { ...CHAIR_SET, delegation: "AFR" };
    const current: Consensus = { state: "agreed_ad_ref", pending: ["RCC"], confirmed: [arb, afr], set: CHAIR_SET };
    const decision = accepted(
      decideSetConsensus(ctx(chair), entry({ consensus: current }), {
        state: "agreed_ad_ref",
        pending: ["AFR", "RCC"],
      }),
    );
    expect(decision.consensus).toEqual({
      state: "agreed_ad_ref",
      pending: ["AFR", "RCC"],
      confirmed: [arb],
      set: stampOf(chair, AT),
    });
  });
});

describe("confirm", () => {
  it("CS9: a delegate confirms for its own delegation", () => {
    const decision = accepted(decideConfirm(ctx(actor("delegate", "ARB")), entry({ consensus: AD_REF })));
    const confirmation = { ...stampOf(actor("delegate", "ARB"), AT), delegation: "ARB" };
    expect(decision.confirmation).toEqual(confirmation);
    expect(decision.consensus).toEqual({
      state: "agreed_ad_ref",
      pending: ["RCC"],
      confirmed: [confirmation],
      set: CHAIR_SET,
    });
  });

  it("CS9: any role but observer whose delegation is pending can confirm", () => {
    for (const role of ["chair", "secretariat"] as const) {
      expect(decideConfirm(ctx(actor(role, "RCC")), entry({ consensus: AD_REF })).ok, role).toBe(true);
    }
    refused(decideConfirm(ctx(actor("observer", "RCC")), entry({ consensus: AD_REF })), "FORBIDDEN", "RO1");
  });

  it("CS9: a delegation that is not pending cannot confirm (FORBIDDEN)", () => {
    refused(decideConfirm(ctx(actor("delegate", "CEPT")), entry({ consensus: AD_REF })), "FORBIDDEN", "CS9");
  });

  it("CS9: a token without a delegation cannot confirm (FORBIDDEN)", () => {
    refused(decideConfirm(ctx(actor("delegate", null)), entry({ consensus: AD_REF })), "FORBIDDEN", "CS9");
    refused(decideConfirm(ctx(chair), entry({ consensus: AD_REF })), "FORBIDDEN", "CS9");
  });

  it("CS9: a delegation confirms only once (NOT_PENDING)", () => {
    const once = accepted(decideConfirm(ctx(delegate), entry({ consensus: AD_REF })));
    refused(decideConfirm(ctx(delegate), entry({ consensus: once.consensus })), "NOT_PENDING", "CS9");
  });

  it.each([{ state: "open" } as const, AGREED])(
    "CS9: a clause that is $state is not pending (NOT_PENDING)",
    (consensus) => {
      refused(decideConfirm(ctx(delegate), entry({ consensus })), "NOT_PENDING", "CS9");
    },
  );

  it("CS9: a locked clause agreed ad referendum can be confirmed", () => {
    expect(decideConfirm(ctx(delegate), entry({ consensus: AD_REF, lock: { ...LOCK, reason: "ad ref" } })).ok).toBe(
      true,
    );
  });

  it("CS10: the last confirmation makes the clause agreed, keeping the chair's stamp and the confirmations", () => {
    const arb = accepted(decideConfirm(ctx(actor("delegate", "ARB")), entry({ consensus: AD_REF })));
    const rcc = accepted(decideConfirm(ctx(actor("delegate", "RCC")), entry({ consensus: arb.consensus })));
    expect(rcc.consensus).toEqual({ state: "agreed", set: CHAIR_SET, confirmed: [arb.confirmation, rcc.confirmation] });
  });
});

describe("consensusAfterEdit", () => {
  const edit = stampOf(delegate, AT);

  it.each([AGREED, AD_REF])("CS11: an edit that brackets a $state clause returns it to open", (consensus) => {
    expect(consensusAfterEdit(entry({ consensus }), brackets(1), edit)).toEqual({ state: "open" });
  });

  it.each([AGREED, AD_REF])("CS11: an edit without open brackets leaves a $state clause as it is", (consensus) => {
    expect(consensusAfterEdit(entry({ consensus }), NO_FIGURES, edit)).toBeNull();
  });

  it("CS11: an open clause stays open", () => {
    expect(consensusAfterEdit(entry(), brackets(3), edit)).toBeNull();
  });

  it("CS11: a locked clause's state never moves on an edit", () => {
    expect(consensusAfterEdit(entry({ consensus: AGREED, lock: LOCK }), brackets(1), edit)).toBeNull();
  });
});

describe("lock and unlock", () => {
  const agreed = entry({ consensus: AGREED });

  it("LK1: the chair locks and unlocks", () => {
    expect(decideLock(ctx(chair), agreed, {}).ok).toBe(true);
    expect(decideUnlock(ctx(chair), entry({ lock: LOCK }), { reason: "reopened by the plenary" }).ok).toBe(true);
  });

  it("LK1: the secretariat locks only when the session allows it (FORBIDDEN)", () => {
    refused(decideLock(ctx(secretariat, false), agreed, {}), "FORBIDDEN", "LK1");
    refused(decideUnlock(ctx(secretariat, false), entry({ lock: LOCK }), { reason: "r" }), "FORBIDDEN", "LK1");
    expect(decideLock(ctx(secretariat, true), agreed, {}).ok).toBe(true);
    expect(decideUnlock(ctx(secretariat, true), entry({ lock: LOCK }), { reason: "r" }).ok).toBe(true);
  });

  it("LK1: a delegate never locks or unlocks (FORBIDDEN)", () => {
    refused(decideLock(ctx(delegate, true), agreed, {}), "FORBIDDEN", "LK1");
    refused(decideUnlock(ctx(delegate, true), entry({ lock: LOCK }), { reason: "r" }), "FORBIDDEN", "LK1");
  });

  it("LK2: an agreed clause is locked without a reason, with who and when", () => {
    const decision = accepted(decideLock(ctx(chair), agreed, {}));
    expect(decision.lock).toEqual({ sub: chair.sub, name: chair.name, at: AT, reason: null });
  });

  it("LK2: an already locked clause cannot be locked again (ALREADY_LOCKED)", () => {
    refused(decideLock(ctx(chair), entry({ consensus: AGREED, lock: LOCK }), {}), "ALREADY_LOCKED", "LK2");
  });

  it.each([{ state: "open" } as const, AD_REF])(
    "LK2: a $state clause needs a reason to be locked (NOT_AGREED)",
    (consensus) => {
      refused(decideLock(ctx(chair), entry({ consensus }), {}), "NOT_AGREED", "LK2");
      refused(decideLock(ctx(chair), entry({ consensus }), { reason: "   " }), "NOT_AGREED", "LK2");
      const decision = accepted(decideLock(ctx(chair), entry({ consensus }), { reason: "  pending legal review " }));
      expect(decision.lock.reason).toBe("pending legal review");
    },
  );

  it("LK2: a reason that is not a short string is refused (BAD_REQUEST)", () => {
    refused(decideLock(ctx(chair), agreed, { reason: "x".repeat(MAX_REASON_LENGTH + 1) }), "BAD_REQUEST", "LK2");
    refused(decideLock(ctx(chair), agreed, { reason: 42 as unknown as string }), "BAD_REQUEST", "LK2");
  });

  it("LK3: unlocking needs a reason (REASON_REQUIRED)", () => {
    refused(decideUnlock(ctx(chair), entry({ lock: LOCK }), { reason: "" }), "REASON_REQUIRED", "LK3");
    refused(decideUnlock(ctx(chair), entry({ lock: LOCK }), { reason: " \n " }), "REASON_REQUIRED", "LK3");
    refused(decideUnlock(ctx(chair), entry({ lock: LOCK }), {} as { reason: string }), "REASON_REQUIRED", "LK3");
  });

  it("LK3: a clause that is not locked cannot be unlocked (NOT_LOCKED)", () => {
    refused(decideUnlock(ctx(chair), agreed, { reason: "why not" }), "NOT_LOCKED", "LK3");
  });

  it("LK3: unlocking records who, when and why", () => {
    const decision = accepted(decideUnlock(ctx(chair), entry({ lock: LOCK }), { reason: " a typo " }));
    expect(decision.unlock).toEqual({ ...stampOf(chair, AT), reason: "a typo" });
  });

  it("LK3: a reason that is too long is refused (BAD_REQUEST)", () => {
    const reason = "x".repeat(MAX_REASON_LENGTH + 1);
    refused(decideUnlock(ctx(chair), entry({ lock: LOCK }), { reason }), "BAD_REQUEST", "LK3");
  });
});

describe("insert", () => {
  it.each([chair, secretariat, delegate])("CM1: $role may insert a clause", (who) => {
    expect(decideInsert(ctx(who), section, { after: "c1", text: "Text." }).ok).toBe(true);
  });

  it("CM1: the new clause goes after its anchor, or first", () => {
    expect(accepted(decideInsert(ctx(chair), section, { after: null })).position).toBe(0);
    expect(accepted(decideInsert(ctx(chair), section, { after: "c2" })).position).toBe(2);
    expect(accepted(decideInsert(ctx(chair), section, { after: "c3" })).position).toBe(3);
    expect(accepted(decideInsert(ctx(chair), [], { after: null })).position).toBe(0);
  });

  it("CM1: an anchor outside the section or an over-long text is refused (BAD_REQUEST)", () => {
    refused(decideInsert(ctx(chair), section, { after: "c9" }), "BAD_REQUEST", "CM1");
    refused(decideInsert(ctx(chair), section, { after: null, text: "x".repeat(10_001) }), "BAD_REQUEST", "CM1");
  });

  it("CM2: a delegate's new clause is bracketed as a substantive proposal of its delegation", () => {
    const decision = accepted(decideInsert(ctx(actor("delegate", "RCC")), section, { after: "c1", text: "Proposal." }));
    expect(decision.bracket).toEqual({ by: ["RCC"], reason: "substantive" });
  });

  it("CM2: the chair's and the secretariat's new clauses are not bracketed", () => {
    expect(accepted(decideInsert(ctx(actor("chair", "ARB")), section, { after: null, text: "x" })).bracket).toBeNull();
    expect(accepted(decideInsert(ctx(secretariat), section, { after: null })).bracket).toBeNull();
  });

  it("CM2: a delegate without a delegation cannot propose (FORBIDDEN)", () => {
    refused(decideInsert(ctx(actor("delegate", null)), section, { after: null, text: "x" }), "FORBIDDEN", "CM2");
  });

  it("CM2: a delegate's proposal needs text (BAD_REQUEST)", () => {
    refused(decideInsert(ctx(delegate), section, { after: null }), "BAD_REQUEST", "CM2");
    refused(decideInsert(ctx(delegate), section, { after: null, text: "  " }), "BAD_REQUEST", "CM2");
  });
});

describe("move, delete, renumber", () => {
  it("CM3: the chair and the secretariat move clauses, a delegate cannot (FORBIDDEN)", () => {
    expect(accepted(decideMove(ctx(chair), section, { clause: "c1", after: "c3" })).order).toEqual(["c2", "c3", "c1"]);
    expect(accepted(decideMove(ctx(secretariat), section, { clause: "c3", after: null })).order).toEqual([
      "c3",
      "c1",
      "c2",
    ]);
    refused(decideMove(ctx(delegate), section, { clause: "c1", after: "c2" }), "FORBIDDEN", "CM3");
  });

  it("CM3: a locked clause can be moved", () => {
    expect(accepted(decideMove(ctx(chair), section, { clause: "c3", after: "c1" })).order).toEqual(["c1", "c3", "c2"]);
  });

  it("CM3: a move to where the clause already is keeps the order", () => {
    expect(accepted(decideMove(ctx(chair), section, { clause: "c2", after: "c1" })).order).toEqual(["c1", "c2", "c3"]);
  });

  it("CM3: unknown clauses and a move after itself are refused (BAD_REQUEST)", () => {
    refused(decideMove(ctx(chair), section, { clause: "c9", after: null }), "BAD_REQUEST", "CM3");
    refused(decideMove(ctx(chair), section, { clause: "c1", after: "c9" }), "BAD_REQUEST", "CM3");
    refused(decideMove(ctx(chair), section, { clause: "c1", after: "c1" }), "BAD_REQUEST", "CM3");
  });

  it("CM4: the chair and the secretariat delete clauses, a delegate cannot (FORBIDDEN)", () => {
    expect(decideDelete(ctx(chair), entry({ consensus: AGREED })).ok).toBe(true);
    expect(decideDelete(ctx(secretariat), entry()).ok).toBe(true);
    refused(decideDelete(ctx(delegate), entry()), "FORBIDDEN", "CM4");
  });

  it("CM4: a locked clause cannot be deleted (LOCKED)", () => {
    refused(decideDelete(ctx(chair), entry({ lock: LOCK })), "LOCKED", "CM4");
  });

  it("NB4: the chair and the secretariat renumber, a delegate cannot (FORBIDDEN)", () => {
    const inserted = [entry({ id: "c1" }), entry({ id: "new", number: null }), entry({ id: "c2", number: 2 })];
    const decision = accepted(decideRenumber(ctx(secretariat), inserted));
    expect(decision.entries.map((e) => [e.id, e.number, e.formerNumbers])).toEqual([
      ["c1", 1, []],
      ["new", 2, ["1 bis"]],
      ["c2", 3, ["2"]],
    ]);
    expect(decideRenumber(ctx(chair), inserted).ok).toBe(true);
    refused(decideRenumber(ctx(delegate), inserted), "FORBIDDEN", "NB4");
  });
});

describe("take up", () => {
  it("TU1: the chair and the secretariat take a clause up, with who and when, or clear the mark", () => {
    expect(accepted(decideTakeUp(ctx(chair), { clause: "c2" })).takenUp).toEqual({
      clause: "c2",
      sub: chair.sub,
      name: chair.name,
      at: AT,
    });
    expect(accepted(decideTakeUp(ctx(secretariat), { clause: null })).takenUp).toBeNull();
  });

  it("TU1: a delegate may not take up a clause (FORBIDDEN); a malformed clause is refused (BAD_REQUEST)", () => {
    refused(decideTakeUp(ctx(delegate), { clause: "c2" }), "FORBIDDEN", "TU1");
    refused(decideTakeUp(ctx(delegate), { clause: null }), "FORBIDDEN", "TU1");
    refused(decideTakeUp(ctx(chair), { clause: "" }), "BAD_REQUEST", "TU1");
    refused(decideTakeUp(ctx(chair), { clause: 3 as unknown as string }), "BAD_REQUEST", "TU1");
  });
});

describe("decisions", () => {
  it("never change their inputs", () => {
    const frozen = <T>(value: T): T => {
      if (typeof value === "object" && value !== null) {
        for (const inner of Object.values(value)) frozen(inner);
        Object.freeze(value);
      }
      return value;
    };
    const current = frozen(entry({ consensus: AD_REF, figures: brackets(0) }));
    const list = frozen([current, entry({ id: "c2", number: null })]);
    const c = frozen(ctx(actor("chair", "ARB"), true));
    expect(() => {
      decideSetConsensus(c, current, frozen({ state: "agreed_ad_ref", pending: ["RCC", "RCC"] }));
      decideConfirm(c, current);
      decideLock(c, current, { reason: "r" });
      decideUnlock(c, current, { reason: "r" });
      decideInsert(c, list, { after: "c1", text: "t" });
      decideMove(c, list, { clause: "c1", after: "c2" });
      decideDelete(c, current);
      decideRenumber(c, list);
      consensusAfterEdit(current, brackets(1), c.now);
    }).not.toThrow();
  });

  it("cite only codes and rule ids that exist", () => {
    const refusals = [
      ...Object.values(COMMANDS).map((decide) => decide(ctx(observer))),
      ...Object.values(COMMANDS).map((decide) => decide(ctx(delegate))),
      decideLock(ctx(chair), entry(), {}),
      decideUnlock(ctx(chair), entry(), { reason: "r" }),
    ].flatMap((d) => (d.ok ? [] : [d.error]));
    expect(refusals.length).toBeGreaterThan(8);
    for (const error of refusals) {
      expect(RULE_ERROR_CODES).toContain(error.code);
      expect(RULE_IDS).toContain(error.rule);
    }
  });

  it("default to a session where the secretariat does not lock", () => {
    expect(DEFAULT_SESSION_OPTIONS).toEqual({ secretariatMayLock: false });
  });
});
