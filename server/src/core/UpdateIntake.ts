import type { DocSubscriber, DocumentHost, WriteOutcome } from "./DocumentHost.ts";

/** Updates one connection may hold back for one document while it syncs, and their bytes. */
export const MAX_HELD_UPDATES = 64;
export const MAX_HELD_BYTES = 1_048_576;

type Phase = { readonly phase: "syncing"; readonly held: Uint8Array[]; bytes: number } | { readonly phase: "synced" };

/**
 * The updates one connection sends for one document, answered exactly once each, in arrival
 * order. A stock provider that reconnects with offline edits may send a new keystroke before
 * the edits it builds on (y-websocket sends those in its sync step 2, Hocuspocus from a queue
 * it flushes after the server's first answer): such an update would leave pending structs, so
 * it is held back here, neither stored nor applied nor broadcast, until the connection's sync
 * step 2 has been applied. It is then tried again: by then its dependencies have arrived (it is
 * usually contained in that step 2), or it is refused as invalid. After the sync, an update that
 * would stay pending is refused at once.
 */
export class UpdateIntake {
  private state: Phase = { phase: "syncing", held: [], bytes: 0 };
  private answers: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly host: DocumentHost,
    private readonly subscriber: DocSubscriber,
    private readonly answer: (outcome: WriteOutcome) => void,
  ) {}

  receive(update: Uint8Array, kind: "syncStep2" | "update"): void {
    // The check runs now, in arrival order; answers follow in the same order.
    const outcome = this.host.receiveUpdate(this.subscriber, update, kind === "syncStep2");
    this.answers = this.answers.then(async () => this.settle(update, kind, await outcome));
  }

  /** The connection let go of the document: what is held is dropped, unanswered. */
  close(): void {
    this.closed = true;
    this.state = { phase: "synced" };
  }

  private settle(update: Uint8Array, kind: "syncStep2" | "update", outcome: WriteOutcome): void {
    if (this.closed) return;
    const state = this.state;
    if (outcome.type === "pending" && state.phase === "syncing") this.hold(state, update, outcome.reason);
    else this.answer(outcome.type === "pending" ? { type: "invalid", reason: outcome.reason } : outcome);
    if (kind === "syncStep2" && state.phase === "syncing") this.endSync(state.held);
  }

  private hold(state: Extract<Phase, { phase: "syncing" }>, update: Uint8Array, reason: string): void {
    if (state.held.length >= MAX_HELD_UPDATES || state.bytes + update.byteLength > MAX_HELD_BYTES) {
      this.answer({ type: "invalid", reason: `too many updates held back before the sync (${reason})` });
      return;
    }
    state.held.push(update);
    state.bytes += update.byteLength;
  }

  private endSync(held: readonly Uint8Array[]): void {
    this.state = { phase: "synced" };
    for (const update of held) {
      const outcome = this.host.receiveUpdate(this.subscriber, update, true);
      this.answers = this.answers.then(async () => {
        const o = await outcome;
        if (this.closed) return;
        const reason =
          o.type === "pending" ? `its dependencies did not arrive by the end of the sync: ${o.reason}` : "";
        this.answer(o.type === "pending" ? { type: "invalid", reason } : o);
      });
    }
  }
}
