import { describe, expect, it } from "vitest";
import { type Action, type Actor, authorize, isRole, ROLES, type Role } from "../src/index.ts";

function actor(role: Role): Actor {
  return { sub: `u-${role}`, name: `The ${role}`, role, delegation: role === "delegate" ? "fr" : null, session: "s1" };
}

/** The whole policy as a table: role -> what it may do. */
const POLICY: Record<Role, { writeClause: boolean; writeIndex: boolean; createSession: boolean }> = {
  chair: { writeClause: true, writeIndex: false, createSession: true },
  secretariat: { writeClause: true, writeIndex: false, createSession: true },
  delegate: { writeClause: true, writeIndex: false, createSession: false },
  observer: { writeClause: false, writeIndex: false, createSession: false },
};

describe("authorize", () => {
  it("has a policy row for every role and no other", () => {
    expect(Object.keys(POLICY).sort()).toEqual([...ROLES].sort());
  });

  describe.each(ROLES.map((role) => [role] as const))("%s", (role) => {
    const who = actor(role);
    const expected = POLICY[role];

    it.each(["index", "clause"] as const)("may read a %s", (doc) => {
      expect(authorize(who, { type: "read", doc })).toEqual({ allowed: true });
    });

    it(`${expected.writeClause ? "may" : "may not"} write a clause`, () => {
      expect(authorize(who, { type: "write", doc: "clause" }).allowed).toBe(expected.writeClause);
    });

    it("may not write a section index", () => {
      const decision = authorize(who, { type: "write", doc: "index" });
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(decision.reason).toMatch(/index/);
    });

    it(`${expected.createSession ? "may" : "may not"} create a session`, () => {
      expect(authorize(who, { type: "createSession" }).allowed).toBe(expected.createSession);
    });
  });

  it("lets an observer write nothing at all", () => {
    const writes: Action[] = [
      { type: "write", doc: "index" },
      { type: "write", doc: "clause" },
      { type: "createSession" },
    ];
    for (const action of writes) expect(authorize(actor("observer"), action).allowed).toBe(false);
  });

  it("gives a reason with every refusal", () => {
    for (const role of ROLES) {
      for (const action of [{ type: "write", doc: "clause" }, { type: "createSession" }] as const) {
        const decision = authorize(actor(role), action);
        if (!decision.allowed) expect(decision.reason.length).toBeGreaterThan(0);
      }
    }
  });

  it("recognises exactly the four roles", () => {
    for (const role of ROLES) expect(isRole(role)).toBe(true);
    for (const other of ["admin", "Chair", "", "observer ", null, 1, undefined, {}]) expect(isRole(other)).toBe(false);
  });
});
