/**
 * Colours for people (carets, presence) and delegations (redline). Every colour is dark enough
 * for white text on it and for a caret on white paper (contrast 4.5:1 or more), and the caret
 * extension accepts only `#rrggbb`.
 */
export const PALETTE = [
  "#1f5fa8",
  "#a1331f",
  "#1d7a3a",
  "#7a3fa0",
  "#9a5b00",
  "#00707a",
  "#b0265f",
  "#4d5d00",
  "#5b4bb7",
  "#8a4f2a",
  "#006b8f",
  "#a12d8f",
] as const;

function hashOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

/**
 * Whose colour a person wears: their delegation's, so that on one screen a delegation has one
 * colour in carets, presence and the redline; people without a delegation have their own.
 */
export function colourKey(person: { readonly id: string; readonly delegation: string | null }): string {
  return person.delegation ? `delegation:${person.delegation}` : `person:${person.id}`;
}

/**
 * Colours on this screen, by `colourKey`: each key keeps the colour it hashes to unless a key
 * seen earlier has it, then takes the next free one, so delegations in a room are told apart
 * (with 12 colours, hashing alone collides often in a room of five).
 */
export class ColourBook {
  private readonly assigned = new Map<string, string>();
  private readonly used = new Set<string>();

  of(id: string): string {
    const known = this.assigned.get(id);
    if (known) return known;
    const start = hashOf(id) % PALETTE.length;
    let colour: string = PALETTE[start] ?? PALETTE[0];
    for (let i = 0; i < PALETTE.length; i += 1) {
      const candidate = PALETTE[(start + i) % PALETTE.length] ?? PALETTE[0];
      if (!this.used.has(candidate)) {
        colour = candidate;
        break;
      }
    }
    this.assigned.set(id, colour);
    this.used.add(colour);
    return colour;
  }
}
