import { readClausePlainText } from "@gavel/model";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { onTestFinished } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

/** A stock y-websocket provider on the plain endpoint; destroyed when the test finishes. */
export function plainClient(
  wsUrl: string,
  docName: string,
  token: string,
): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/y`, docName, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  onTestFinished(() => {
    provider.destroy();
    doc.destroy();
  });
  return { doc, provider };
}

/** One multiplexed socket (stock @hocuspocus/provider) that documents attach to. */
export function multiplexedSocket(wsUrl: string, token: string): HocuspocusProviderWebsocket {
  const socket = new HocuspocusProviderWebsocket({
    // Provider 4.x has no URL parameters option: the token travels in the URL itself.
    url: `${wsUrl}/collab?token=${encodeURIComponent(token)}`,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    maxAttempts: 3,
  });
  onTestFinished(() => socket.destroy());
  return socket;
}

export function attachDocument(socket: HocuspocusProviderWebsocket, name: string, token: string): HocuspocusProvider {
  const provider = new HocuspocusProvider({ websocketProvider: socket, name, token });
  provider.attach();
  onTestFinished(() => provider.destroy());
  return provider;
}

/** Text of a clause document: paragraphs by newline, brackets as literal [ ]. */
export const clauseText = (doc: Y.Doc): string => readClausePlainText(doc);

/** Inserts text at the start of the first paragraph's text node. */
export function typeInto(doc: Y.Doc, text: string, at = 0): void {
  const paragraph = doc.getXmlFragment("default").get(0);
  if (!(paragraph instanceof Y.XmlElement)) throw new Error("clause has no paragraph");
  const node = paragraph.get(0);
  if (!(node instanceof Y.XmlText)) throw new Error("paragraph has no text");
  node.insert(Math.min(at, node.length), text);
}

/**
 * Tries a WebSocket upgrade and reports the HTTP status: 101 when the socket opened, else the
 * refusal's status and body.
 */
export function upgradeResult(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.on("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    ws.on("error", (error) => reject(error));
  });
}
