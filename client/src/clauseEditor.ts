import type { HocuspocusProvider } from "@hocuspocus/provider";
import { type AnyExtension, Editor } from "@tiptap/core";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import * as Y from "yjs";
import { baseExtensions, bracketDecorations, type ClauseKeyHandlers, clauseKeys } from "./extensions.ts";
import { canWrite, colourOf, type Identity } from "./identity.ts";
import type { Notice, Room } from "./room.ts";

export interface ClauseEditorOptions {
  readonly room: Room;
  readonly docName: string;
  readonly label: () => string;
  readonly mount: HTMLElement;
  readonly keys: ClauseKeyHandlers;
  readonly sourceTitle: (id: string) => string;
  readonly onNotice: (message: string) => void;
  readonly onFocus: () => void;
  /** Read-only for everyone but the chair's unlock: the projector and observers never edit. */
  readonly readOnlyView: boolean;
}

/**
 * One clause: its own Y.Doc on the room's socket, and its own Tiptap editor. A lock or a refused
 * edit resets it: a fresh document synced from the server replaces the local copy (PROTOCOL.md).
 */
export class ClauseEditor {
  private doc!: Y.Doc;
  private provider!: HocuspocusProvider;
  editor!: Editor;
  private locked = false;

  constructor(private readonly options: ClauseEditorOptions) {
    this.open();
  }

  private get identity(): Identity {
    return this.options.room.identity;
  }

  private get editable(): boolean {
    return !this.locked && !this.options.readOnlyView && canWrite(this.identity);
  }

  private open(): void {
    const { room, docName, mount } = this.options;
    this.doc = new Y.Doc();
    this.provider = room.attach(docName, this.doc, (notice) => this.receive(notice));
    const collaborative: AnyExtension[] = [Collaboration.configure({ document: this.doc, field: "default" })];
    // Observers and the projector are not editors: they show no caret and announce none.
    if (canWrite(this.identity) && !this.options.readOnlyView) {
      collaborative.push(
        CollaborationCaret.configure({
          provider: this.provider,
          user: { name: this.identity.name, color: colourOf(this.identity.sub) },
        }),
      );
    } else {
      this.provider.awareness?.setLocalState(null);
    }
    this.editor = new Editor({
      element: mount,
      editable: this.editable,
      extensions: [
        ...baseExtensions,
        ...collaborative,
        bracketDecorations(this.options.sourceTitle),
        clauseKeys(this.options.keys),
      ],
      editorProps: {
        attributes: { "aria-label": `Clause ${this.options.label()}`, role: "textbox", "aria-multiline": "true" },
        // Nothing reaches a read-only clause: no paste, no drop.
        handlePaste: () => !this.editable,
        handleDrop: () => !this.editable,
      },
      onFocus: () => this.options.onFocus(),
    });
  }

  private receive(notice: Notice): void {
    switch (notice.type) {
      case "locked":
        this.setLocked(true);
        this.options.onNotice(`Clause ${this.options.label()} was locked by ${notice.by}.`);
        this.reset();
        return;
      case "unlocked":
        this.setLocked(false);
        this.options.onNotice(`Clause ${this.options.label()} was unlocked by ${notice.by}.`);
        return;
      case "refused":
        this.options.onNotice(
          `Your edit to clause ${this.options.label()} was refused (${notice.code}); it shows the server's text again.`,
        );
        this.reset();
        return;
      case "commandResult":
        return;
    }
  }

  /** The index says whether the clause is locked; the editor follows at once. */
  setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.editor.setEditable(this.editable);
  }

  /** Drops the local copy (and anything the server refused) and syncs a fresh one. */
  reset(): void {
    const hadFocus = this.editor.isFocused;
    this.close();
    this.open();
    if (hadFocus && this.editable) this.focus("end");
  }

  focus(where: "start" | "end"): void {
    this.editor.commands.focus(where);
  }

  /** Presence fields on this clause's awareness (the caret extension sets `user`). */
  get awarenessStates(): Map<number, Record<string, unknown>> {
    return this.provider.awareness?.getStates() ?? new Map();
  }

  private close(): void {
    this.editor.destroy();
    this.options.mount.replaceChildren();
    this.options.room.detach(this.provider);
    this.doc.destroy();
  }

  destroy(): void {
    this.close();
  }
}
