import { resolve } from "node:path";
import type { Config } from "../config.ts";

/*
 * Join links and the command line that mints more of them: what `npm start` and
 * `npm run token` print, from the same configuration, so that the two agree.
 */

/** The address a browser on this machine reaches the server at, from HOST and PORT. */
export function serverUrl(config: Pick<Config, "host" | "port">): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

/** The room's address with a token: `BASE/?token=T` (a path in BASE, e.g. behind a proxy, is kept). */
export function joinLink(base: string, token: string): string {
  const url = new URL(base.endsWith("/") ? base : `${base}/`);
  url.searchParams.set("token", token);
  return url.toString();
}

export interface TokenCommandOptions {
  /** Where the server listens, as it printed it. */
  readonly address: string;
  readonly session: string;
  /** DATA_DIR as the server resolved it, and the directory `npm run token` resolves its default from. */
  readonly dataDir: string;
  readonly defaultDataDir: string;
  /** Whether the server runs with AUTH_SECRET (the command then takes it from the environment). */
  readonly authSecret: boolean;
  /** The address `npm run token` links to when not told otherwise. */
  readonly defaultUrl: string;
}

/**
 * The exact `npm run token` command line that mints a token this server accepts, with a link
 * to it: DATA_DIR when the server keeps its development secret elsewhere than the default,
 * AUTH_SECRET from the environment when it has one, `--url` when it listens elsewhere.
 */
export function tokenCommand(options: TokenCommandOptions): string {
  const env: string[] = [];
  if (options.authSecret) env.push('AUTH_SECRET="$AUTH_SECRET"');
  else if (resolve(options.dataDir) !== resolve(options.defaultDataDir))
    env.push(`DATA_DIR=${shellQuote(resolve(options.dataDir))}`);
  const args = [
    "--session",
    shellQuote(options.session),
    "--role",
    "delegate",
    "--name",
    shellQuote("Delegate of CEPT"),
    "--delegation",
    "CEPT",
  ];
  if (options.address !== options.defaultUrl) args.push("--url", shellQuote(options.address));
  return [...env, "npm run token --", ...args].join(" ");
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
