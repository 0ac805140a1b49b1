/*
 * Whether the browser has moved the caret in an editor (a navigation key, a click) and the
 * editor has not read it yet: that happens on the next `selectionchange` event, a task of its
 * own, and a co-editor's update can land before it. Only then is the page's selection newer than
 * the editor's: an editor that sets its selection itself (a selected placeholder, a focus that
 * puts the caret back) is ahead of the page, not behind it.
 */

const NAVIGATION = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
/** A move the editor has not read after this long was no move (a key at the end of the text). */
const STALE_MS = 500;

const movedAt = new WeakMap<Element, number>();

/** Starts watching `root` (an editor's content element); watching twice changes nothing. */
export function watchNativeSelection(root: HTMLElement): void {
  if (movedAt.has(root)) return;
  movedAt.set(root, 0);
  const moved = () => movedAt.set(root, performance.now());
  const read = () => movedAt.set(root, 0);
  root.addEventListener(
    "keydown",
    (event) => {
      if (NAVIGATION.has(event.key)) moved();
    },
    true,
  );
  root.addEventListener("mousedown", moved, true);
  root.addEventListener("blur", read);
  // Every selectionchange listener runs in the same task: the editor reads the move then.
  root.ownerDocument.addEventListener("selectionchange", read);
}

/** The browser moved the caret in `root` and no `selectionchange` has told the editor yet. */
export function nativeSelectionPending(root: HTMLElement): boolean {
  const at = movedAt.get(root) ?? 0;
  return at > 0 && performance.now() - at < STALE_MS;
}
