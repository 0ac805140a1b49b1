import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { onTestFinished } from "vitest";

/**
 * A loopback TCP proxy in front of the server, to take the network away from a browser and give
 * it back: `cut()` drops every connection and refuses new ones, `restore()` accepts again.
 */
export interface TcpProxy {
  readonly url: string;
  cut(): void;
  restore(): void;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let online = true;
  const server: Server = createServer((client) => {
    if (!online) return client.destroy();
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      online = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      online = true;
    },
  };
}
