import { useCallback, useEffect, useRef } from "react";
import type { ClauseEditorHandle } from "../editor/ClauseEditor.ts";
import type { ClauseBinding } from "../room/ClauseBinding.ts";
import { writes } from "./useReadOnlyNotice.ts";

/** How long keystrokes typed after Propose wait for the new clause before going back where they came from. */
const TYPE_AHEAD_MS = 8000;

/** Stable per-clause callbacks, so that a row re-renders only when its own data changes. */
export function usePerClause<T>(make: (clause: string) => T): (clause: string) => T {
  const cache = useRef(new Map<string, T>());
  const maker = useRef(make);
  maker.current = make;
  return useCallback((clause: string) => {
    let value = cache.current.get(clause);
    if (value === undefined) {
      value = maker.current(clause);
      cache.current.set(clause, value);
    }
    return value;
  }, []);
}

function whenSynced(binding: ClauseBinding, run: () => void): void {
  const { provider } = binding.getSnapshot();
  const ready = () => {
    provider.off("synced", ready);
    requestAnimationFrame(run);
  };
  if (provider.isSynced) ready();
  else provider.on("synced", ready);
}

/** Types text where the focus is, through the browser's own input path (any editor takes it). */
function typeHere(text: string): void {
  if (text) document.execCommand("insertText", false, text);
}

/** Runs `then` once the focus is inside the clause (editors may move it on their next frame). */
function onceFocusIn(clause: string, then: () => void, frames = 30): void {
  const inside = document.activeElement?.closest("article[data-clause]")?.getAttribute("data-clause") === clause;
  if (inside || frames === 0) then();
  else requestAnimationFrame(() => onceFocusIn(clause, then, frames - 1));
}

/**
 * The clause the focus fell out of to the page body without the person moving it (no click nor
 * Tab since it was last focused), if any.
 */
function fallenFrom(clause: string | null, movedOn: boolean): HTMLElement | null {
  const focused = document.activeElement;
  if (movedOn || clause === null || (focused !== null && focused !== document.body)) return null;
  return document.querySelector<HTMLElement>(`article[data-clause="${CSS.escape(clause)}"]`);
}

/**
 * Where the focus goes when clauses come and go, so that no keystroke is lost:
 * - after Propose, what is typed before the new clause exists is kept and typed into it, over its
 *   placeholder, once it is there (a person does not wait for the server);
 * - when a clause's copy is replaced (after a lock or a refusal) while someone types in it, the
 *   new editor takes the focus back.
 */
export function useClauseFocus(bindingOf: (clause: string) => ClauseBinding) {
  const handles = useRef(new Map<string, ClauseEditorHandle>());
  /** The clause that last held the focus (a focus leaving for the page body does not count). */
  const lastFocused = useRef<string | null>(null);
  const awaited = useRef<string | null>(null);
  const typeAhead = useRef<{ text: string; from: string | null; timer: ReturnType<typeof setTimeout> } | null>(null);

  /**
   * The person moved the focus on since it last entered something: a click or a Tab (out of the
   * page, say) leaves on purpose.
   */
  const movedOn = useRef(false);

  useEffect(() => {
    const onFocusIn = (event: FocusEvent) => {
      const article = event.target instanceof Element ? event.target.closest("article[data-clause]") : null;
      lastFocused.current = article?.getAttribute("data-clause") ?? null;
      movedOn.current = false;
    };
    const onPointerDown = () => {
      movedOn.current = true;
    };
    // A click that kept the focus in a clause (a toolbar button) has not moved it away.
    const onPointerUp = () => {
      if (document.activeElement?.closest("article[data-clause]")) movedOn.current = false;
    };
    // Capture: the keystroke is kept before any editor sees it.
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Tab") movedOn.current = true;
      const fallen = fallenFrom(lastFocused.current, movedOn.current);
      if (fallen) {
        // The focus fell out of the clause being typed in (it was locked under the cursor, or
        // its copy replaced): it goes back to that clause, and this key does not reach the page
        // (a space would scroll it away).
        fallen.focus({ preventScroll: true });
        if (writes(event)) event.preventDefault();
      }
      const buffer = typeAhead.current;
      if (!buffer || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key.length === 1) buffer.text += event.key;
      else if (event.key === "Backspace") buffer.text = buffer.text.slice(0, -1);
      else return;
      event.preventDefault();
      event.stopPropagation();
    };
    document.addEventListener("focusin", onFocusIn);
    document.addEventListener("pointerdown", onPointerDown, true);
    document.addEventListener("pointerup", onPointerUp, true);
    window.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("focusin", onFocusIn);
      document.removeEventListener("pointerdown", onPointerDown, true);
      document.removeEventListener("pointerup", onPointerUp, true);
      window.removeEventListener("keydown", onKey, true);
    };
  }, []);

  const takeTypeAhead = useCallback((): string => {
    const buffer = typeAhead.current;
    typeAhead.current = null;
    if (buffer) clearTimeout(buffer.timer);
    return buffer?.text ?? "";
  }, []);

  /** The keystrokes go back to the clause they were typed in (the new one did not come). */
  const giveBack = useCallback(() => {
    const from = typeAhead.current?.from ?? null;
    const text = takeTypeAhead();
    const handle = from === null ? undefined : handles.current.get(from);
    if (!handle || from === null) return;
    handle.focus("keep");
    onceFocusIn(from, () => typeHere(text));
  }, [takeTypeAhead]);

  const land = useCallback(
    (clause: string, handle: ClauseEditorHandle) =>
      whenSynced(bindingOf(clause), () => {
        handle.selectAll();
        // Keystrokes stay held until the new clause has the focus, then go in, in order.
        onceFocusIn(clause, () => typeHere(takeTypeAhead()));
      }),
    [bindingOf, takeTypeAhead],
  );

  /** From now on keystrokes wait for the clause a command is creating. */
  const holdKeystrokes = useCallback(() => {
    takeTypeAhead();
    typeAhead.current = { text: "", from: lastFocused.current, timer: setTimeout(giveBack, TYPE_AHEAD_MS) };
  }, [giveBack, takeTypeAhead]);

  /** The clause the command created (null: it failed): focus it once its editor and text are there. */
  const expect = useCallback(
    (clause: string | null) => {
      if (clause === null) return giveBack();
      const handle = handles.current.get(clause);
      if (handle) land(clause, handle);
      else awaited.current = clause;
    },
    [giveBack, land],
  );

  const refOf = usePerClause((clause) => (handle: ClauseEditorHandle | null) => {
    if (!handle) {
      handles.current.delete(clause);
      return;
    }
    // React removed the old copy's editor just before: the focus fell to the page body. The
    // clause holds it (and the keys) until the new copy's editor takes it, if it is writable.
    const fallen = lastFocused.current === clause ? fallenFrom(clause, movedOn.current) : null;
    fallen?.focus({ preventScroll: true });
    handles.current.set(clause, handle);
    if (awaited.current === clause) {
      awaited.current = null;
      land(clause, handle);
    } else if (fallen) {
      whenSynced(bindingOf(clause), () => {
        if (document.activeElement === fallen) handle.focus("end");
      });
    }
  });

  return { handles, lastFocused, refOf, holdKeystrokes, expect };
}
