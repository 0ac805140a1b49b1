// Anchor for `npm run bench`: the stock y-websocket server (memory only), on PORT.
import http from "node:http";
import { setupWSConnection } from "@y/websocket-server/utils";
import { WebSocketServer } from "ws";

const port = Number(process.env.PORT);
const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("okay");
});
wss.on("connection", setupWSConnection);
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
