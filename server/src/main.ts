/**
 * The one file with side effects: reads the environment, opens the store, listens, and prints
 * ready-to-use join links in development.
 */
import { fileURLToPath } from "node:url";
import { loadOrCreateDevSecret } from "./auth/devSecret.ts";
import { secretKey, signToken } from "./auth/tokens.ts";
import { buildServer } from "./buildServer.ts";
import { serverUrl, tokenCommand } from "./cli/joinLink.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { openStore } from "./openStore.ts";
import { LeaseHeldError } from "./store/leaseHeldError.ts";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const dev = config.authSecret === null;
  const secretText = config.authSecret ?? loadOrCreateDevSecret(config.dataDir).secret;
  const secret = secretKey(secretText);
  let stop: (signal: string, code?: number) => Promise<void> = async (_signal, code = 1) => process.exit(code);
  const { store, kind } = await openStore(config, {
    onError: (error) => console.error("store error:", error),
    onLeaseLost: (message) => {
      console.error(`store lease lost: ${message}; stopping`);
      void stop("lease lost", 1);
    },
  });
  const server = await buildServer(config, { store, secret });
  const { app } = server;

  // The demo session is a Tiptap room; its twin SESSION-lexical holds the same template in a Lexical room.
  const demos = config.demoSession
    ? ([
        { id: config.demoSession, editor: "tiptap" },
        { id: `${config.demoSession}-lexical`, editor: "lexical" },
      ] as const)
    : [];
  for (const demo of demos) {
    if (await server.sessions.ensureSession(demo.id, "wtdc-action-plan", demo.editor)) {
      app.log.info(`created session "${demo.id}" (${demo.editor}) from the wtdc-action-plan template`);
    }
  }
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(`store: ${kind}${kind === "sqlite" ? ` in ${config.dataDir}` : ""}`);

  if (dev && config.demoSession) {
    const people = [
      { sub: "chair-1", name: "Chair", role: "chair", delegation: null },
      { sub: "delegate-afr", name: "Delegate of AFR", role: "delegate", delegation: "AFR" },
      { sub: "observer-1", name: "Observer", role: "observer", delegation: null },
    ] as const;
    const lines = ["Development mode (no AUTH_SECRET): join tokens valid 8 h:"];
    for (const { id: session, editor } of demos) {
      lines.push(` session "${session}" (${editor === "tiptap" ? "Tiptap" : "Lexical"} room):`);
      for (const person of people) {
        const token = await signToken(secret, { ...person, session }, 8 * 3600);
        lines.push(`  ${person.role.padEnd(9)} ${address}/?token=${token}`);
      }
    }
    lines.push(
      `  sockets: ${address.replace(/^http/, "ws")}/collab?token=T  and  ${address.replace(/^http/, "ws")}/y/${config.demoSession}/glossary/c1?token=T`,
    );
    console.log(lines.join("\n"));
  }
  // npm run token resolves the default DATA_DIR from the repository root, where npm runs scripts.
  const command = tokenCommand({
    address,
    session: config.demoSession || "SESSION",
    dataDir: config.dataDir,
    defaultDataDir: fileURLToPath(new URL("../../data", import.meta.url)),
    authSecret: !dev,
    defaultUrl: serverUrl(loadConfig({})),
  });
  console.log(
    `More join links: ${command}\n  (--role chair|secretariat|delegate|observer, --name, --delegation, --ttl 8h)`,
  );

  let stopping = false;
  stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal}: flushing and closing`);
    await server.close();
    await store.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
  else if (error instanceof LeaseHeldError) console.error(`not starting: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
