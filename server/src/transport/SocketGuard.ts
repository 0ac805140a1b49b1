import { CloseCode } from "@gavel/protocol";
import type { WebSocket } from "ws";
import type { Metrics } from "../metrics.ts";
import { RateLimiter } from "./RateLimiter.ts";

export interface GuardLimits {
  readonly maxBufferedBytes: number;
  readonly maxFramesPerSecond: number;
  readonly keepAliveMs: number;
}

/**
 * The edge of one WebSocket: bounded sending (slow consumers are closed, never buffered
 * without limit), inbound rate limiting, keep-alive and token expiry. The state is a tagged
 * union: once closing, nothing more is sent.
 */
export class SocketGuard {
  private state: "open" | "closing" = "open";
  private readonly limiter: RateLimiter;
  private heardSinceLastPing = true;
  private readonly keepAlive: NodeJS.Timeout;
  private expiry: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: GuardLimits,
    private readonly metrics: Metrics,
    expiresAt: number,
    ping: () => void,
  ) {
    // Monotonic time: a wall-clock step must not refill the bucket.
    this.limiter = new RateLimiter(limits.maxFramesPerSecond, performance.now());
    this.keepAlive = setInterval(() => {
      if (!this.heardSinceLastPing) {
        this.close(CloseCode.timeout, "no traffic within the keep-alive window");
        return;
      }
      this.heardSinceLastPing = false;
      if (this.isOpen) ping();
    }, limits.keepAliveMs);
    this.keepAlive.unref();
    this.expiry = this.scheduleExpiry(expiresAt);
    ws.on("pong", () => this.heard());
    ws.on("close", () => this.dispose());
  }

  /**
   * The connection now lives until `expiresAt` (ms since the epoch): used when the identity is
   * proven after the upgrade, by the first document's Auth message on a tokenless /collab socket.
   */
  expireAt(expiresAt: number): void {
    clearTimeout(this.expiry);
    this.expiry = this.scheduleExpiry(expiresAt);
  }

  /** setTimeout waits at most ~24.8 days: a longer-lived token (or none yet) is re-checked then. */
  private scheduleExpiry(expiresAt: number): NodeJS.Timeout {
    const wait = Math.max(0, expiresAt - Date.now());
    const timer = setTimeout(
      () => {
        if (Date.now() >= expiresAt) this.close(CloseCode.unauthorized, "token expired");
        else this.expiry = this.scheduleExpiry(expiresAt);
      },
      Math.min(wait, 2_000_000_000),
    );
    timer.unref();
    return timer;
  }

  get isOpen(): boolean {
    return this.state === "open" && this.ws.readyState === this.ws.OPEN;
  }

  /** Called for every inbound frame; false means the frame must be dropped (and we closed). */
  admit(): boolean {
    this.heard();
    if (this.state !== "open") return false;
    if (this.limiter.take(performance.now())) return true;
    this.close(CloseCode.rateLimited, "too many frames per second");
    return false;
  }

  heard(): void {
    this.heardSinceLastPing = true;
  }

  send(data: Uint8Array): void {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount + data.byteLength > this.limits.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "send queue over its bound: the client is not reading");
      return;
    }
    this.ws.send(data);
  }

  close(code: number, reason: string): void {
    if (this.state === "closing") return;
    this.state = "closing";
    this.metrics.closes.inc({ code: String(code) });
    this.ws.close(code, reason.slice(0, 120));
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 5_000).unref();
  }

  private dispose(): void {
    this.state = "closing";
    clearInterval(this.keepAlive);
    clearTimeout(this.expiry);
  }
}
