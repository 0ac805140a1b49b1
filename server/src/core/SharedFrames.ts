/**
 * One message to many subscribers: each transport encodes its frame once and sends the same
 * bytes to every socket (ws never changes a buffer it sends).
 */
export class SharedFrames {
  private readonly frames = new Map<string, Uint8Array>();

  constructor(readonly update: Uint8Array) {}

  /** The frame `key` (e.g. the endpoint and address), encoded on first use. */
  frame(key: string, encode: (update: Uint8Array) => Uint8Array): Uint8Array {
    let frame = this.frames.get(key);
    if (frame === undefined) {
      frame = encode(this.update);
      this.frames.set(key, frame);
    }
    return frame;
  }
}
