/**
 * A value that changes over time, readable by React's useSyncExternalStore: `getSnapshot`
 * returns the same object until `publish` replaces it, so components re-render only on change.
 */
export class Subscribable<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private snapshot: T) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): T => this.snapshot;

  protected publish(next: T): void {
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }
}
