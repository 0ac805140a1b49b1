import { describe, expect, it } from "vitest";
import { spelled } from "../client/src/actions.ts";

describe("delegation codes typed in the toolbar", () => {
  it("are spelled as the delegations the room knows, whatever their case; codes no one used are kept and told apart", () => {
    const known = ["AFR", "CEPT", "Arb"];
    expect(spelled("cept, afr", known)).toEqual({ codes: ["CEPT", "AFR"], unknown: [] });
    expect(spelled(" ARB ", known)).toEqual({ codes: ["Arb"], unknown: [] });
    // An absent delegation may have to confirm ad referendum: kept as typed, and said.
    expect(spelled("cept, XYZ", known)).toEqual({ codes: ["CEPT", "XYZ"], unknown: ["XYZ"] });
    // The same delegation twice, in two spellings, is one.
    expect(spelled("CEPT, cept,,", known)).toEqual({ codes: ["CEPT"], unknown: [] });
    expect(spelled("", known)).toEqual({ codes: [], unknown: [] });
    // A code once typed in another case (a bracket "for cept") does not outrank a token's CEPT.
    expect(spelled("cept", ["CEPT", "cept"])).toEqual({ codes: ["CEPT"], unknown: [] });
  });
});
