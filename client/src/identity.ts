import { isRole, type Role } from "@gavel/model";

/** Who the join link says we are. Display only: the server verifies the token itself. */
export interface Identity {
  readonly token: string;
  readonly sub: string;
  readonly name: string;
  readonly role: Role;
  readonly delegation: string | null;
  readonly session: string;
}

/** Reads the token from `?token=` (kept for reloads in sessionStorage). */
export function readIdentity(location: Location, storage: Storage): Identity | null {
  const fromUrl = new URLSearchParams(location.search).get("token");
  const token = fromUrl ?? storage.getItem("gavel-token");
  if (!token) return null;
  storage.setItem("gavel-token", token);
  try {
    const part = token.split(".")[1] ?? "";
    const claims = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const { sub, name, role, delegation, session } = claims;
    if (typeof sub !== "string" || typeof name !== "string" || !isRole(role) || typeof session !== "string")
      return null;
    return { token, sub, name, role, delegation: typeof delegation === "string" ? delegation : null, session };
  } catch {
    return null;
  }
}

export function canWrite(identity: Identity): boolean {
  return identity.role !== "observer";
}

export function canRestructure(identity: Identity): boolean {
  return identity.role === "chair" || identity.role === "secretariat";
}

export function canConfirm(identity: Identity): boolean {
  return identity.role !== "observer" && identity.delegation !== null;
}

/** How a person is named in lists and notices: "Ana (AFR)". */
export function displayName(person: { readonly name: string; readonly delegation: string | null }): string {
  return person.delegation ? `${person.name} (${person.delegation})` : person.name;
}
