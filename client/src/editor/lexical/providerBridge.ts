import type { Provider, ProviderAwareness, UserState } from "@lexical/yjs";
import type { LexicalEditor } from "lexical";
import * as Y from "yjs";
import type { ClauseCopy } from "../../room/ClauseBinding.ts";
import { keepCaret } from "./caretKeeper.ts";

/*
 * @lexical/yjs on the room's socket. Lexical's CollaborationPlugin wants a provider it creates,
 * with a document it binds before the content arrives; the room's clause copy is already attached
 * to the shared HocuspocusProviderWebsocket and may be synced. So Lexical gets a document of its
 * own, a replica of the copy kept in step both ways (same client id: only Lexical's replica makes
 * new structs, the copy only ever receives them), and a provider whose connect starts the
 * replication. The copy's provider does everything else: the socket, authentication, "saved"
 * from its unsynced changes, notices. Awareness is the copy's, with each person's name and colour
 * as the server stamped them (never what a client claims); silent views get one that says nothing.
 */

const BRIDGE = Symbol("clause bridge");

export interface Person {
  readonly id: string;
  readonly delegation: string | null;
}

function stampedPerson(state: Record<string, unknown>): { person: Person; name: string } | null {
  const user = state.user;
  if (typeof user !== "object" || user === null) return null;
  const { id, name, delegation } = user as Record<string, unknown>;
  if (typeof id !== "string") return null;
  return {
    person: { id, delegation: typeof delegation === "string" ? delegation : null },
    name: typeof name === "string" ? name : "someone",
  };
}

function stampedAwareness(copy: ClauseCopy, colourOf: (person: Person) => string): ProviderAwareness {
  const awareness = copy.provider.awareness;
  if (!awareness) return silentAwareness();
  return {
    getLocalState: () => awareness.getLocalState() as UserState | null,
    getStates: () => {
      const states = new Map<number, UserState>();
      for (const [client, state] of awareness.getStates()) {
        const stamped = stampedPerson(state);
        if (client === awareness.clientID || !stamped) continue;
        states.set(client, { ...(state as UserState), name: stamped.name, color: colourOf(stamped.person) });
      }
      return states;
    },
    on: (type, cb) => awareness.on(type, cb),
    off: (type, cb) => awareness.off(type, cb),
    setLocalState: (state) => awareness.setLocalState(state),
    setLocalStateField: (field, value) => awareness.setLocalStateField(field, value),
  };
}

function silentAwareness(): ProviderAwareness {
  let local: UserState | null = null;
  return {
    getLocalState: () => local,
    getStates: () => new Map(),
    on: () => {},
    off: () => {},
    setLocalState: (state) => {
      local = state;
    },
    setLocalStateField: () => {},
  };
}

type Listener = (...args: never[]) => void;

export function bridgeProvider(
  copy: ClauseCopy,
  silent: boolean,
  colourOf: (person: Person) => string,
  editorOf: () => LexicalEditor | null,
): (id: string, docs: Map<string, Y.Doc>) => Provider {
  return (id, docs) => {
    const replica = new Y.Doc();
    replica.clientID = copy.doc.clientID;
    docs.set(id, replica);
    const toReplica = (update: Uint8Array, origin: unknown) => {
      if (origin === BRIDGE) return;
      const editor = editorOf();
      const restore = editor ? keepCaret(editor, replica) : null;
      Y.applyUpdate(replica, update, BRIDGE);
      restore?.();
    };
    const toCopy = (update: Uint8Array, origin: unknown) => {
      if (origin !== BRIDGE) Y.applyUpdate(copy.doc, update, BRIDGE);
    };
    let connected = false;
    const statusListeners = new Map<Listener, (event: { status: string }) => void>();
    const provider = {
      awareness: silent ? silentAwareness() : stampedAwareness(copy, colourOf),
      connect() {
        if (connected) return;
        connected = true;
        Y.applyUpdate(replica, Y.encodeStateAsUpdate(copy.doc), BRIDGE);
        copy.doc.on("update", toReplica);
        replica.on("update", toCopy);
      },
      disconnect() {
        connected = false;
        copy.doc.off("update", toReplica);
        replica.off("update", toCopy);
      },
      on(type: string, cb: Listener) {
        if (type !== "status") return;
        const relay = (event: { status: string }) => (cb as (e: { status: string }) => void)(event);
        statusListeners.set(cb, relay);
        copy.provider.on("status", relay);
      },
      off(type: string, cb: Listener) {
        const relay = statusListeners.get(cb);
        if (type !== "status" || !relay) return;
        copy.provider.off("status", relay);
        statusListeners.delete(cb);
      },
    };
    return provider as unknown as Provider;
  };
}
