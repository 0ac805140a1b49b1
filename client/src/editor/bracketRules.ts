/** What the ownership rules compare of a bracket, before and after an edit. */
export interface OwnedBracket {
  readonly id: string;
  readonly by: readonly string[];
  readonly reason: string;
  readonly group: string | null;
  readonly text: string;
}

/**
 * SPEC BO (bracket ownership), as a delegate's own screen checks it before sending: null when
 * the edit is allowed, else why not. A delegate may not change the text or extent of a bracket
 * its delegation does not hold, nor its reason; may add or remove only its own delegation among
 * the proposers; may give a group to a foreign bracket that had none (an alternative beside it).
 */
export function ownershipViolation(
  before: readonly OwnedBracket[],
  after: readonly OwnedBracket[],
  delegation: string | null,
): string | null {
  const next = new Map(after.map((b) => [b.id, b]));
  for (const old of before) {
    const mine = delegation !== null && old.by.includes(delegation);
    const others = old.by.filter((code) => code !== delegation);
    const now = next.get(old.id);
    if (!now) {
      if (others.length > 0) return `This bracket is held by ${others.join(", ")}; only they may remove it.`;
      continue;
    }
    if (!mine && (now.text !== old.text || now.reason !== old.reason)) {
      return `This bracket is held by ${old.by.join(", ") || "another delegation"}: co-sponsor it or add an alternative.`;
    }
    const added = now.by.filter((code) => !old.by.includes(code));
    const removed = old.by.filter((code) => !now.by.includes(code));
    if (added.some((code) => code !== delegation) || removed.some((code) => code !== delegation)) {
      return "You may add or withdraw only your own delegation.";
    }
    if (!mine && now.group !== old.group && old.group !== null) {
      return "The alternatives of another delegation's bracket are theirs to regroup.";
    }
  }
  return null;
}
