import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { misplacedAfter, misplacedBefore } from "../src/core/placement.ts";
import { checkUpdate } from "../src/core/updateCheck.ts";
import { changeOf } from "./support/editorChanges.ts";
import { MUTATIONS, mutate } from "./support/mutations.ts";
import { seededRng } from "./support/prng.ts";

/**
 * A damaged update whose items name their origins out of order integrates, yet the document that
 * took it in arrival order reads another text than a fresh reader of its encoding (found by
 * test/invariant.test.ts: a fresh client's sync disagreed with the API). Every accepted update
 * must leave a document whose encoding reads the same.
 */
const STEPS = 600;
/** Seeds whose run, without the placement check, reached a document that does not round-trip. */
const FIXED_SEEDS: readonly number[] = [20, 21, 26];

const shown = (doc: Y.Doc): string => doc.getXmlFragment("default").toString();

function writer(clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

function roundTrips(doc: Y.Doc): boolean {
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
  const same = shown(fresh) === shown(doc);
  fresh.destroy();
  return same;
}

/**
 * The write path on one long-lived clause: honest edits from two writers and damaged edits from
 * one-off attackers, each accepted only past the update check and (with `placed`) the placement
 * check; a fault found after applying drops the copy, which is rebuilt from what was accepted.
 */
function run(seed: number, placed: boolean) {
  const rng = seededRng(seed);
  let live = new Y.Doc();
  const accepted: Uint8Array[] = [];
  const honest = [writer(rng.int(1, 0xffff_fffe)), writer(rng.int(1, 0xffff_fffe))];
  const tally = { accepted: 0, refusedBefore: 0, refusedAfter: 0 };
  const known = (client: number) => Y.getState(live.store, client);
  for (let step = 0; step < STEPS; step++) {
    let update: Uint8Array;
    if (rng.next() < 0.2) {
      const writer = rng.pick(honest);
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(live, Y.encodeStateVector(writer)));
      update = changeOf(writer, rng, `q${step}z`);
    } else {
      const copy = new Y.Doc();
      copy.clientID = rng.int(1, 0xffff_fffe);
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(live));
      changeOf(copy, rng, `m${step}x`);
      update = mutate(changeOf(copy, rng, `n${step}x`), rng.pick(MUTATIONS), rng);
      copy.destroy();
    }
    const verdict = checkUpdate(update, known);
    if (verdict.type !== "ok") continue;
    const before = placed ? misplacedBefore(live, verdict.placements) : { later: [] };
    if ("fault" in before) {
      tally.refusedBefore += 1;
      continue;
    }
    Y.applyUpdate(live, update);
    if (placed && misplacedAfter(live, before.later) !== null) {
      tally.refusedAfter += 1;
      live.destroy();
      live = new Y.Doc();
      for (const kept of accepted) Y.applyUpdate(live, kept);
      continue;
    }
    accepted.push(update);
    tally.accepted += 1;
    if (!roundTrips(live)) return { tally, brokenAt: step };
  }
  return { tally, brokenAt: null };
}

describe("placement: every new item between its origins, in order", () => {
  it("the damaged updates these seeds send leave, without the check, a clause that reads otherwise once encoded", () => {
    for (const seed of FIXED_SEEDS) expect(run(seed, false).brokenAt, `seed ${seed}`).not.toBeNull();
  });

  it(`with it, every accepted update of honest and damaged editors round-trips (seeded, ${STEPS} steps a seed)`, () => {
    const seed = Number(process.env.PLACEMENT_SEED ?? Date.now() % 2_147_483_647);
    console.log(`placement seed: ${seed} (replay with PLACEMENT_SEED=${seed})`);
    const refused = { before: 0, after: 0 };
    for (const s of [...FIXED_SEEDS, seed, seed + 1, seed + 2]) {
      const { tally, brokenAt } = run(s, true);
      expect(brokenAt, `seed ${s}`).toBeNull();
      expect(tally.accepted).toBeGreaterThan(STEPS / 10);
      refused.before += tally.refusedBefore;
      refused.after += tally.refusedAfter;
    }
    // The check had something to refuse.
    expect(refused.before).toBeGreaterThan(0);
  });
});
