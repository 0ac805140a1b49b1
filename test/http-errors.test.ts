import { connect } from "node:net";
import { CloseCode } from "@gavel/protocol";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { makeToken } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const MAX_MESSAGE_BYTES = 4096;
const PATH = "/api/sessions/demo/sections/implementation/clauses";

/** A request written byte for byte, so that headers can lie (Content-Length). */
function rawRequest(port: number, head: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`${head}\r\n\r\n${body}`));
    let response = "";
    socket.on("data", (chunk: Buffer) => {
      response += chunk.toString();
      const [headers = "", rest = ""] = response.split("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? Number.NaN);
      if (rest.length >= length) {
        socket.destroy();
        resolve({ status: Number(headers.split(" ")[1]), body: rest });
      }
    });
    socket.on("error", reject);
  });
}

describe("Fastify's own refusals keep their 4xx, with the catalogue's codes", () => {
  it("answers every malformed body with its 4xx and logs none of them, nor a 1009 close, as an error", async () => {
    const server = await spawnServer({
      DATA_DIR: tempDir("gavel-http-errors-"),
      LOG_LEVEL: "info",
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    });
    const port = Number(new URL(server.httpUrl).port);
    const token = await makeToken("chair");
    const json = "application/json";
    const cases: { name: string; type: string; body: string; status: number; code: string }[] = [
      { name: "malformed JSON {", type: json, body: "{", status: 400, code: "BAD_REQUEST" },
      { name: 'malformed JSON {"a":', type: json, body: '{"a":', status: 400, code: "BAD_REQUEST" },
      { name: "a NUL byte", type: json, body: "\0", status: 400, code: "BAD_REQUEST" },
      { name: "an empty JSON body", type: json, body: "", status: 400, code: "BAD_REQUEST" },
      { name: "a __proto__ key", type: json, body: '{"__proto__":{"x":1}}', status: 400, code: "BAD_REQUEST" },
      { name: "a wrong JSON type", type: json, body: '{"text":5}', status: 400, code: "BAD_REQUEST" },
      {
        name: "a body over MAX_MESSAGE_BYTES",
        type: json,
        body: JSON.stringify({ text: "x".repeat(MAX_MESSAGE_BYTES) }),
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
      },
      { name: "a text body", type: "text/plain", body: "hello", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      {
        name: "another content type",
        type: "application/xml",
        body: "<a/>",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
      },
    ];
    for (const c of cases) {
      const response = await fetch(`${server.httpUrl}${PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": c.type },
        body: c.body,
      });
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      expect({ case: c.name, status: response.status, code: body.error?.code }).toEqual({
        case: c.name,
        status: c.status,
        code: c.code,
      });
      expect(typeof body.error?.message).toBe("string");
    }
    const lying = await rawRequest(
      port,
      [
        `POST ${PATH} HTTP/1.1`,
        "Host: 127.0.0.1",
        `Authorization: Bearer ${token}`,
        "Content-Type: application/json",
        "Content-Length: 99999999",
      ].join("\r\n"),
      "{}",
    );
    expect(lying.status).toBe(413);
    expect(JSON.parse(lying.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    // Nothing was coerced into a clause.
    const section = await fetch(`${server.httpUrl}/api/sessions/demo/sections/implementation`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.stringify(await section.json())).not.toContain('"text":"5"');

    const ws = new WebSocket(`${server.wsUrl}/y/demo/implementation/c1?token=${token}`);
    await new Promise((resolve) => ws.once("open", resolve));
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.on("error", () => {});
    ws.send(new Uint8Array(MAX_MESSAGE_BYTES + 1));
    expect([CloseCode.messageTooBig, 1006]).toContain(await closed);

    expect((await fetch(`${server.httpUrl}/healthz`)).ok).toBe(true);
    const errors = server
      .output()
      .split("\n")
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });
});
