import type { Store } from "@gavel/server";

/**
 * A real store whose appends can be held back: the test decides when the store "finishes"
 * writing, to observe what clients are told meanwhile. Everything else goes straight through.
 */
export function gatedStore(inner: Store): {
  store: Store;
  hold(): void;
  release(): void;
  heldAppends(): number;
  /** Appends that `when` picks fail (null: none), as a store that is down fails them. */
  fail(when: ((records: Parameters<Store["append"]>[0]) => boolean) | null): void;
} {
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  let held = 0;
  let failing: ((records: Parameters<Store["append"]>[0]) => boolean) | null = null;
  const store: Store = {
    append: async (records) => {
      if (gate) {
        held += 1;
        await gate;
      }
      if (failing?.(records)) throw new Error("the store is down (test)");
      return inner.append(records);
    },
    load: (doc) => inner.load(doc),
    saveSnapshot: (doc, state, head) => inner.saveSnapshot(doc, state, head),
    history: (doc, until) => inner.history(doc, until),
    sectionHistory: (sectionKey, until) => inner.sectionHistory(sectionKey, until),
    position: (sectionKey) => inner.position(sectionKey),
    positions: (sectionKeys) => inner.positions(sectionKeys),
    lockedDocs: (prefix) => inner.lockedDocs(prefix),
    saveRevision: (session, revision) => inner.saveRevision(session, revision),
    getRevision: (session, label) => inner.getRevision(session, label),
    listRevisions: (session) => inner.listRevisions(session),
    createSession: (s) => inner.createSession(s),
    getSession: (id) => inner.getSession(id),
    listSessions: () => inner.listSessions(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return {
    store,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = null;
      open();
    },
    heldAppends: () => held,
    fail(when) {
      failing = when;
    },
  };
}
