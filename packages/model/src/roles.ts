export const ROLES = ["chair", "secretariat", "delegate", "observer"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Who acts: what a verified token says, nothing more. */
export interface Actor {
  readonly sub: string;
  readonly name: string;
  readonly role: Role;
  readonly delegation: string | null;
  readonly session: string;
}

export type Action =
  | { readonly type: "read"; readonly doc: "index" | "clause" }
  | { readonly type: "write"; readonly doc: "index" | "clause" }
  | { readonly type: "createSession" };

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOW: Decision = { allowed: true };

/**
 * The one place that decides what a role may do. Section indexes are written only by the
 * server on validated commands, so no client write to one is ever allowed, whatever the role.
 */
export function authorize(actor: Actor, action: Action): Decision {
  switch (action.type) {
    case "read":
      return ALLOW;
    case "write":
      if (action.doc === "index") return { allowed: false, reason: "section indexes are written only by commands" };
      if (actor.role === "observer") return { allowed: false, reason: "observers are read-only" };
      return ALLOW;
    case "createSession":
      return actor.role === "chair" || actor.role === "secretariat"
        ? ALLOW
        : { allowed: false, reason: "only the chair or the secretariat may create a session" };
  }
}
