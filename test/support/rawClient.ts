import { onTestFinished } from "vitest";
import WebSocket from "ws";

/** A bare WebSocket that records every binary frame and the close code: for protocol-level assertions. */
export async function rawSocket(url: string): Promise<{
  ws: WebSocket;
  frames: Uint8Array[];
  closed: () => { code: number; reason: string } | null;
}> {
  const ws = new WebSocket(url);
  const frames: Uint8Array[] = [];
  let closeEvent: { code: number; reason: string } | null = null;
  ws.on("message", (data: Buffer) => frames.push(new Uint8Array(data)));
  ws.on("close", (code, reason) => {
    closeEvent = { code, reason: reason.toString() };
  });
  onTestFinished(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, frames, closed: () => closeEvent };
}
