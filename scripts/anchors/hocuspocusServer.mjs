// Anchor for `npm run bench`: the stock Hocuspocus server (memory, no extensions), on PORT.
import { Server } from "@hocuspocus/server";

const server = new Server({ port: Number(process.env.PORT), address: "127.0.0.1", quiet: true, stopOnSignals: false });
await server.listen();
process.on("SIGTERM", () => process.exit(0));
