import { type DocName, isValidSegment, parseDocName, type Role, sectionKeyOf } from "@gavel/model";
import { type CommandParser, createClient, defineScript, RESP_TYPES } from "redis";
import { reportingOutages } from "./redisOutages.ts";
import type { DocLog, RevisionRecord, SessionRecord, Store, StoredUpdate, UpdateRecord } from "./Store.ts";

/**
 * Redis backend (Redis >= 7). Every key starts with `prefix`:
 *
 * - `${prefix}log:${session}/${section}`: one append-only stream per section; each entry has
 *   the fields doc, u (the binary update), sub, name, role, del (delegation or ""), at, and
 *   cmd (the command JSON) only when the record has one.
 * - `${prefix}snap:${doc}`: hash { state (binary), head (stream id of the section log) }.
 * - `${prefix}locks`: set of the locked clause documents; read and changed only by the append
 *   script, in the same atomic step as the appends, so every node sees one order.
 * - `${prefix}revisions:${session}`: hash label -> JSON RevisionRecord.
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

const FIELDS_PER_RECORD = 12;
const PAGE = 1000;

/**
 * KEYS: the distinct stream keys, then the locks set. ARGV: per record, the 1-based index of
 * its key in KEYS, then doc, u, sub, name, role, del, at, has-command ("1"/"0"), command,
 * lock effect ("lock", "unlock" or ""), lock target. Records are taken in order: one whose doc
 * is in the locks set is skipped (its id is nil); an appended one then applies its effect.
 * The shebang (Redis 7) makes the server refuse the whole script up front when out of memory,
 * and the type checks refuse it before any write when a key holds something else than
 * expected, so a batch is written entirely (but for the refused records) or not at all.
 */
const APPEND_LUA = `#!lua
local locks = KEYS[#KEYS]
for i = 1, #KEYS - 1 do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'stream' and t ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is not a stream')
  end
end
local lt = redis.call('TYPE', locks)['ok']
if lt ~= 'set' and lt ~= 'none' then
  return redis.error_reply('WRONGTYPE ' .. locks .. ' is not a set')
end
local ids = {}
for i = 1, #ARGV, ${FIELDS_PER_RECORD} do
  local doc = ARGV[i + 1]
  if redis.call('SISMEMBER', locks, doc) == 1 then
    ids[#ids + 1] = false
  else
    local fields = { 'doc', doc, 'u', ARGV[i + 2], 'sub', ARGV[i + 3], 'name', ARGV[i + 4],
      'role', ARGV[i + 5], 'del', ARGV[i + 6], 'at', ARGV[i + 7] }
    if ARGV[i + 8] == '1' then
      fields[#fields + 1] = 'cmd'
      fields[#fields + 1] = ARGV[i + 9]
    end
    ids[#ids + 1] = redis.call('XADD', KEYS[tonumber(ARGV[i])], '*', unpack(fields))
    local effect = ARGV[i + 10]
    if effect == 'lock' then
      redis.call('SADD', locks, ARGV[i + 11])
    elseif effect == 'unlock' then
      redis.call('SREM', locks, ARGV[i + 11])
    end
  end
end
return ids
`;

const appendScript = defineScript({
  SCRIPT: APPEND_LUA,
  parseCommand(parser: CommandParser, keys: string[], args: (string | Buffer)[]) {
    parser.pushKeysLength(keys);
    parser.push(...args);
  },
  transformReply: (reply: (string | null)[]) => reply,
});

function checkDoc(doc: string): DocName {
  const parsed = parseDocName(doc);
  if (!parsed.ok) throw new Error(`invalid document name ${JSON.stringify(doc)}: ${parsed.reason}`);
  return parsed.value;
}

function sectionOf(doc: string): string {
  return sectionKeyOf(checkDoc(doc));
}

function checkSectionKey(sectionKey: string): void {
  if (checkDoc(sectionKey).kind !== "index")
    throw new Error(`invalid section key ${JSON.stringify(sectionKey)}: expected SESSION/SECTION`);
}

function checkLockEffect(record: UpdateRecord): void {
  const effect = record.lockEffect;
  if (effect === undefined) return;
  if (effect.type !== "lock" && effect.type !== "unlock")
    throw new Error(`invalid lock effect ${JSON.stringify(effect.type)}`);
  if (checkDoc(effect.target).kind !== "clause")
    throw new Error(`invalid lock target ${JSON.stringify(effect.target)}: only clause documents can be locked`);
}

function checkSession(session: string): void {
  if (!isValidSegment(session)) throw new Error(`invalid session id ${JSON.stringify(session)}`);
}

const STREAM_ID = /^\d+-\d+$/;

function checkId(id: string): string {
  if (!STREAM_ID.test(id)) throw new Error(`invalid update id ${JSON.stringify(id)}`);
  return id;
}

/** XRANGE end for an optional inclusive bound. */
function rangeEnd(until: string | null | undefined): string {
  return until === null || until === undefined ? "+" : checkId(until);
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
  const locksKey = `${prefix}locks`;
  const revisionsKey = (session: string) => `${prefix}revisions:${session}`;
  const sessionsKey = `${prefix}sessions`;

  type Entry = { readonly id: string; readonly fields: Readonly<Record<string, Buffer>> };

  /**
   * Entries of the stream `key` from `start` ("(id" exclusive or "-") to `end` (inclusive id or
   * "+"), only those of `doc` when given.
   */
  async function readRange(key: string, start: string, end: string, doc?: string): Promise<Entry[]> {
    const out: Entry[] = [];
    for (let from = start; ; ) {
      const page = (await bin.xRange(key, from, end, { COUNT: PAGE })) ?? [];
      for (const entry of page) {
        const fields = entry.message as Record<string, Buffer>;
        if (doc === undefined || text(fields.doc) === doc) out.push({ id: entry.id.toString(), fields });
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return out;
      from = `(${last.id.toString()}`;
    }
  }

  /** Entries of `doc` in its section stream, after `start` ("(id" exclusive or "-"). */
  function readLog(doc: string, start: string, end = "+"): Promise<Entry[]> {
    return readRange(logKey(doc), start, end, doc);
  }

  function toStored({ id, fields }: Entry): StoredUpdate {
    const stored: StoredUpdate = {
      id,
      doc: text(fields.doc),
      update: bytes(fields.u ?? Buffer.alloc(0)),
      author: {
        sub: text(fields.sub),
        name: text(fields.name),
        role: text(fields.role) as Role | "server",
        delegation: text(fields.del) || null,
      },
      at: Number(text(fields.at)),
    };
    return fields.cmd === undefined ? stored : { ...stored, command: text(fields.cmd) };
  }

  return reportingOutages({
    prefix,
    async append(records: readonly UpdateRecord[]) {
      // Validate the whole batch before sending any of it.
      const batch = records.map((r) => {
        checkLockEffect(r);
        return { r, key: logKey(r.doc) };
      });
      if (batch.length === 0) return [];
      const keys: string[] = [];
      const slot = new Map<string, number>();
      const args: (string | Buffer)[] = [];
      for (const { r, key } of batch) {
        let index = slot.get(key);
        if (index === undefined) {
          index = keys.push(key);
          slot.set(key, index);
        }
        const { sub, name, role, delegation } = r.author;
        const command = r.command === undefined ? ["0", ""] : ["1", r.command];
        const effect = r.lockEffect === undefined ? ["", ""] : [r.lockEffect.type, r.lockEffect.target];
        args.push(String(index), r.doc, toBuffer(r.update), sub, name, role, delegation ?? "", String(r.at));
        args.push(...command, ...effect);
      }
      keys.push(locksKey);
      const ids = await client.appendBatch(keys, args);
      if (ids.length !== records.length) throw new Error(`append: expected ${records.length} ids, got ${ids.length}`);
      return ids.map((id) => (id === null ? null : String(id)));
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
      await client.hSet(snapKey(doc), { state: toBuffer(state), head: checkId(head) });
    },

    async history(doc: string, until?: string | null): Promise<StoredUpdate[]> {
      return (await readLog(doc, "-", rangeEnd(until))).map(toStored);
    },

    async sectionHistory(sectionKey: string, until?: string | null): Promise<StoredUpdate[]> {
      checkSectionKey(sectionKey);
      return (await readRange(logKey(sectionKey), "-", rangeEnd(until))).map(toStored);
    },

    async position(sectionKey: string) {
      checkSectionKey(sectionKey);
      const [last] = (await client.xRevRange(logKey(sectionKey), "+", "-", { COUNT: 1 })) ?? [];
      return last === undefined ? null : last.id;
    },

    async lockedDocs(prefix: string) {
      return (await client.sMembers(locksKey)).filter((doc) => doc.startsWith(prefix)).sort();
    },

    async saveRevision(session: string, revision: RevisionRecord) {
      checkSession(session);
      return (await client.hSetNX(revisionsKey(session), revision.label, JSON.stringify(revision))) === 1;
    },

    async getRevision(session: string, label: string) {
      checkSession(session);
      const json = await client.hGet(revisionsKey(session), label);
      return json == null ? null : (JSON.parse(json) as RevisionRecord);
    },

    async listRevisions(session: string) {
      checkSession(session);
      const all = await client.hVals(revisionsKey(session));
      return all.map((json) => JSON.parse(json) as RevisionRecord).sort(byTime);
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
  });
}

/** Oldest first, ties by label (the SQLite store lists revisions the same way). */
function byTime(a: RevisionRecord, b: RevisionRecord): number {
  return a.at - b.at || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/** Oldest first, ties by id (the SQLite store lists sessions the same way). */
function byCreation(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
