import { parseDocName, type Role, sectionKeyOf } from "@gavel/model";
import { type CommandParser, createClient, defineScript, RESP_TYPES } from "redis";
import type { DocLog, SessionRecord, Store, StoredUpdate, UpdateRecord } from "./Store.ts";

/**
 * Redis backend (Redis >= 7). Every key starts with `prefix`:
 *
 * - `${prefix}log:${session}/${section}`: one append-only stream per section; each entry has
 *   the fields doc, u (the binary update), sub, name, role, del (delegation or ""), at.
 * - `${prefix}snap:${doc}`: hash { state (binary), head (stream id of the section log) }.
 * - `${prefix}sessions`: hash session id -> JSON SessionRecord.
 *
 * Ids are stream ids ("1712345678901-0"): increasing within a section, not comparable across
 * sections. A resolved `append` is as durable as the server's persistence settings make it
 * (use `appendonly yes` + `appendfsync always` for the SQLite guarantee).
 */
export interface RedisStore extends Store {
  readonly prefix: string;
}

export interface RedisStoreOptions {
  readonly url: string;
  readonly prefix: string;
  /** Connection errors (the client reconnects by itself); ignored when absent. */
  readonly onError?: (error: Error) => void;
}

const FIELDS_PER_RECORD = 8;
const PAGE = 1000;

/**
 * KEYS: the distinct stream keys. ARGV: per record, the 1-based index of its key in KEYS then
 * doc, u, sub, name, role, del, at. The shebang (Redis 7) makes the server refuse the whole
 * script up front when out of memory, and the type check refuses it before any write when a
 * key holds something else than a stream, so a batch is written entirely or not at all.
 */
const APPEND_LUA = `#!lua
for _, key in ipairs(KEYS) do
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'stream' and t ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' is not a stream')
  end
end
local ids = {}
for i = 1, #ARGV, ${FIELDS_PER_RECORD} do
  ids[#ids + 1] = redis.call('XADD', KEYS[tonumber(ARGV[i])], '*',
    'doc', ARGV[i + 1], 'u', ARGV[i + 2], 'sub', ARGV[i + 3], 'name', ARGV[i + 4],
    'role', ARGV[i + 5], 'del', ARGV[i + 6], 'at', ARGV[i + 7])
end
return ids
`;

const appendScript = defineScript({
  SCRIPT: APPEND_LUA,
  parseCommand(parser: CommandParser, keys: string[], args: (string | Buffer)[]) {
    parser.pushKeysLength(keys);
    parser.push(...args);
  },
  transformReply: (reply: string[]) => reply,
});

function sectionOf(doc: string): string {
  const parsed = parseDocName(doc);
  if (!parsed.ok) throw new Error(`invalid document name ${JSON.stringify(doc)}: ${parsed.reason}`);
  return sectionKeyOf(parsed.value);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array owning a copy (replies are views into the socket's read buffer). */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

function text(value: Buffer | undefined): string {
  return value === undefined ? "" : value.toString("utf8");
}

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const { prefix } = options;
  const client = createClient({
    url: options.url,
    // Fail commands while disconnected instead of queueing them: `ping` must reject and an
    // `append` must not be acknowledged late, out of its caller's order.
    disableOfflineQueue: true,
    scripts: { appendBatch: appendScript },
  });
  client.on("error", (error: Error) => options.onError?.(error));
  await client.connect();
  // Same connection, but bulk strings come back as Buffers: needed for binary fields.
  const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });

  const logKey = (doc: string) => `${prefix}log:${sectionOf(doc)}`;
  const snapKey = (doc: string) => `${prefix}snap:${doc}`;
  const sessionsKey = `${prefix}sessions`;

  type Entry = { readonly id: string; readonly fields: Readonly<Record<string, Buffer>> };

  /** Entries of `doc` in its section stream, after `start` ("(id" exclusive or "-"). */
  async function readLog(doc: string, start: string): Promise<Entry[]> {
    const key = logKey(doc);
    const out: Entry[] = [];
    for (let from = start; ; ) {
      const page = (await bin.xRange(key, from, "+", { COUNT: PAGE })) ?? [];
      for (const entry of page) {
        const fields = entry.message as Record<string, Buffer>;
        if (text(fields.doc) === doc) out.push({ id: entry.id.toString(), fields });
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return out;
      from = `(${last.id.toString()}`;
    }
  }

  return {
    prefix,
    async append(records: readonly UpdateRecord[]) {
      if (records.length === 0) return [];
      const keys: string[] = [];
      const slot = new Map<string, number>();
      const args: (string | Buffer)[] = [];
      for (const r of records) {
        const key = logKey(r.doc);
        let index = slot.get(key);
        if (index === undefined) {
          index = keys.push(key);
          slot.set(key, index);
        }
        const { sub, name, role, delegation } = r.author;
        args.push(String(index), r.doc, toBuffer(r.update), sub, name, role, delegation ?? "", String(r.at));
      }
      const ids = await client.appendBatch(keys, args);
      if (ids.length !== records.length) throw new Error(`append: expected ${records.length} ids, got ${ids.length}`);
      return ids.map(String);
    },

    async load(doc: string): Promise<DocLog> {
      sectionOf(doc);
      const snap = await bin.hmGet(snapKey(doc), ["state", "head"]);
      const state = snap[0] ?? null;
      const snapHead = snap[1] ? snap[1].toString() : null;
      const entries = await readLog(doc, snapHead === null ? "-" : `(${snapHead}`);
      const last = entries[entries.length - 1];
      return {
        snapshot: state ? bytes(state) : null,
        updates: entries.map((e) => bytes(e.fields.u ?? Buffer.alloc(0))),
        head: last ? last.id : snapHead,
      };
    },

    async saveSnapshot(doc: string, state: Uint8Array, head: string) {
      sectionOf(doc);
      if (!/^\d+-\d+$/.test(head)) throw new Error(`invalid update id ${JSON.stringify(head)}`);
      await client.hSet(snapKey(doc), { state: toBuffer(state), head });
    },

    async history(doc: string): Promise<StoredUpdate[]> {
      const entries = await readLog(doc, "-");
      return entries.map(({ id, fields }) => ({
        id,
        doc,
        update: bytes(fields.u ?? Buffer.alloc(0)),
        author: {
          sub: text(fields.sub),
          name: text(fields.name),
          role: text(fields.role) as Role | "server",
          delegation: text(fields.del) || null,
        },
        at: Number(text(fields.at)),
      }));
    },

    async createSession(session: SessionRecord) {
      return (await client.hSetNX(sessionsKey, session.id, JSON.stringify(session))) === 1;
    },

    async getSession(id: string) {
      const json = await client.hGet(sessionsKey, id);
      return json == null ? null : (JSON.parse(json) as SessionRecord);
    },

    async listSessions() {
      const all = await client.hVals(sessionsKey);
      return all.map((json) => JSON.parse(json) as SessionRecord).sort(byCreation);
    },

    async ping() {
      await client.ping();
    },

    async close() {
      if (client.isOpen) await client.close();
    },
  };
}

/** Oldest first, ties by id (the SQLite store lists sessions the same way). */
function byCreation(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
