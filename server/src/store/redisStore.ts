import { isValidSegment, parseDocName, type Role } from "@gavel/model";
import { checkDoc, checkSectionKey, sectionOf } from "./docNames.ts";
import { connectRedis, type RedisConnection, type RedisTarget } from "./redisConnection.ts";
import { followRedisStreams } from "./redisFollower.ts";
import { reportingOutages } from "./redisOutages.ts";
import { redisPresenceBus } from "./redisPresence.ts";
import {
  type DocLog,
  type RevisionRecord,
  type SessionRecord,
  type Store,
  StoreConflictError,
  type StoredUpdate,
  type UpdateRecord,
} from "./Store.ts";

/**
 * Redis backend (Redis >= 7). Every key starts with `prefix`; a section's keys share the hash
 * tag `{SESSION/SECTION}`, so they live in one cluster slot:
 *
 * - `${prefix}{S/SEC}:log:${doc}`: one append-only stream per document; each entry has the
 *   fields u (the binary update), sub, name, role, del (delegation or ""), at, and cmd (the
 *   command JSON) only when the record has one. A load reads only its own document's entries.
 * - `${prefix}{S/SEC}:seq`: the section's counter; entry ids are `${n}-0`, n taken from it, so
 *   ids increase across all the streams of a section (its history is their merge).
 * - `${prefix}{S/SEC}:docs`: set of the section's documents that have a stream.
 * - `${prefix}{S/SEC}:snap:${doc}`: hash { state (binary), head (id of the last update covered) }.
 * - `${prefix}{S/SEC}:locks`: set of the section's locked clause documents; read and changed only
 *   by the append script, in the same atomic step as the appends, so every node sees one order.
 * - `${prefix}revisions:${session}`: hash label -> JSON RevisionRecord.
 * - `${prefix}sessions`: hash session id -> JSON SessionRecord.
 * - `${prefix}layout`: "2"; a prefix holding data of the old layout (one stream per section) is
 *   refused at open rather than read as empty.
 *
 * Every multi-key command and script names keys of one section only, so the store runs on a
 * Redis Cluster as on one server (`clusterNodes`). On a cluster a batch is appended by one
 * script per section (atomic per section, in order), on one server by one script.
 *
 * Ids are increasing within a section, not comparable across sections. A resolved `append` is
 * as durable as the server's persistence settings make it (use `appendonly yes` +
 * `appendfsync always` for the SQLite guarantee).
 */
export interface RedisStore extends Store {
  readonly prefix: string;
}

export type RedisStoreOptions = RedisTarget & {
  readonly prefix: string;
  /** Connection errors (the client reconnects by itself); ignored when absent. */
  readonly onError?: (error: Error) => void;
  /** Stream entries one read returned (tests count what a clause load reads). */
  readonly onEntriesRead?: (key: string, entries: number) => void;
  /** How long a follower's read blocks waiting for entries (ms; default 1000). */
  readonly followBlockMs?: number;
};

const FIELDS_PER_RECORD = 18;
const PAGE = 1000;
const LAYOUT = "2";

/**
 * KEYS: the distinct keys the batch touches (streams, section counters, section document
 * sets, section lock sets). ARGV: per record, the 1-based indexes in KEYS of its stream, its
 * section counter, its section's document set and its section's lock set, then doc, u, sub, name, role, del, at,
 * has-command ("1"/"0"), command, lock effect ("lock", "unlock" or ""), lock target, origin
 * (the appending node, or ""), conditional ("1"/"0") and the expected last id of the record's
 * stream ("" for none). A conditional record whose stream's last id is another fails the whole
 * script before any write (GAVELCONFLICT). Records
 * are taken in order: one whose doc is in the locks set is skipped (its id is nil); an
 * appended one then applies its effect. The shebang (Redis 7) makes the server refuse the
 * whole script up front when out of memory, and the type checks refuse it before any write
 * when a key holds something else than expected, so a batch is written entirely (but for the
 * refused records) or not at all.
 */
const APPEND_LUA = `#!lua
local expected = {}
for i = 1, #ARGV, ${FIELDS_PER_RECORD} do
  expected[tonumber(ARGV[i])] = 'stream'
  expected[tonumber(ARGV[i + 1])] = 'string'
  expected[tonumber(ARGV[i + 2])] = 'set'
  expected[tonumber(ARGV[i + 3])] = 'set'
end
for k, want in pairs(expected) do
  local t = redis.call('TYPE', KEYS[k])['ok']
  if t ~= want and t ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[k] .. ' is not a ' .. want)
  end
end
for i = 1, #ARGV, ${FIELDS_PER_RECORD} do
  if ARGV[i + 16] == '1' then
    local last = redis.call('XREVRANGE', KEYS[tonumber(ARGV[i])], '+', '-', 'COUNT', 1)
    local head = ''
    if last[1] then head = last[1][1] end
    if head ~= ARGV[i + 17] then return redis.error_reply('GAVELCONFLICT ' .. ARGV[i + 4]) end
  end
end
local ids = {}
for i = 1, #ARGV, ${FIELDS_PER_RECORD} do
  local doc = ARGV[i + 4]
  local locks = KEYS[tonumber(ARGV[i + 3])]
  if redis.call('SISMEMBER', locks, doc) == 1 then
    ids[#ids + 1] = false
  else
    local id = redis.call('INCR', KEYS[tonumber(ARGV[i + 1])]) .. '-0'
    local fields = { 'u', ARGV[i + 5], 'sub', ARGV[i + 6], 'name', ARGV[i + 7],
      'role', ARGV[i + 8], 'del', ARGV[i + 9], 'at', ARGV[i + 10] }
    if ARGV[i + 11] == '1' then
      fields[#fields + 1] = 'cmd'
      fields[#fields + 1] = ARGV[i + 12]
    end
    local effect = ARGV[i + 13]
    if effect ~= '' then
      fields[#fields + 1] = 'le'
      fields[#fields + 1] = effect
      fields[#fields + 1] = 'lt'
      fields[#fields + 1] = ARGV[i + 14]
    end
    if ARGV[i + 15] ~= '' then
      fields[#fields + 1] = 'o'
      fields[#fields + 1] = ARGV[i + 15]
    end
    ids[#ids + 1] = redis.call('XADD', KEYS[tonumber(ARGV[i])], id, unpack(fields))
    redis.call('SADD', KEYS[tonumber(ARGV[i + 2])], doc)
    if effect == 'lock' then
      redis.call('SADD', locks, ARGV[i + 14])
    elseif effect == 'unlock' then
      redis.call('SREM', locks, ARGV[i + 14])
    end
  end
end
return ids
`;

/** Every counter named, read in one atomic step. */
const POSITIONS_LUA = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('GET', KEYS[i]) end
return out`;

/** Writes a snapshot unless the stored one covers a later head (ids `${n}-0`). */
const SNAPSHOT_LUA = `
local current = redis.call('HGET', KEYS[1], 'head')
if current and tonumber(string.match(current, '^(%d+)')) >= tonumber(string.match(ARGV[2], '^(%d+)')) then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'head', ARGV[2])
return 1`;

function checkLockEffect(record: UpdateRecord): void {
  const effect = record.lockEffect;
  if (effect === undefined) return;
  if (effect.type !== "lock" && effect.type !== "unlock")
    throw new Error(`invalid lock effect ${JSON.stringify(effect.type)}`);
  if (checkDoc(effect.target).kind !== "clause")
    throw new Error(`invalid lock target ${JSON.stringify(effect.target)}: only clause documents can be locked`);
  // A section's locks live in its own slot, beside the index record that changes them.
  if (sectionOf(effect.target) !== sectionOf(record.doc))
    throw new Error(`invalid lock target ${JSON.stringify(effect.target)}: not in the section of ${record.doc}`);
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

/** Merges lists each sorted by id (`${n}-0`) into one, in id order. */
function mergeById<T extends { readonly id: string }>(lists: readonly T[][]): T[] {
  const seq = (id: string) => Number(id.slice(0, id.indexOf("-")));
  return lists.flat().sort((a, b) => seq(a.id) - seq(b.id));
}

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const { prefix } = options;
  const target: RedisTarget = "url" in options ? { url: options.url } : { clusterNodes: options.clusterNodes };
  const conn = await connectRedis(target, APPEND_LUA, options.onError);
  try {
    await checkLayout(conn, prefix);
  } catch (error) {
    await conn.close();
    throw error;
  }

  const tag = (sectionKey: string) => `${prefix}{${sectionKey}}:`;
  const logKey = (doc: string) => `${tag(sectionOf(doc))}log:${doc}`;
  const snapKey = (doc: string) => `${tag(sectionOf(doc))}snap:${doc}`;
  const seqKey = (sectionKey: string) => `${tag(sectionKey)}seq`;
  const docsKey = (sectionKey: string) => `${tag(sectionKey)}docs`;
  const locksKey = (sectionKey: string) => `${tag(sectionKey)}locks`;
  const revisionsKey = (session: string) => `${prefix}revisions:${session}`;
  const sessionsKey = `${prefix}sessions`;

  type Entry = { readonly id: string; readonly doc: string; readonly fields: Readonly<Record<string, Buffer>> };

  /** Entries of `doc`'s stream from `start` ("(id" exclusive or "-") to `end` (inclusive id or "+"). */
  async function readLog(doc: string, start: string, end = "+"): Promise<Entry[]> {
    const key = logKey(doc);
    const out: Entry[] = [];
    for (let from = start; ; ) {
      const page = await conn.xRange(key, from, end, PAGE);
      options.onEntriesRead?.(key, page.length);
      for (const entry of page) out.push({ id: entry.id, doc, fields: entry.fields });
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) return out;
      from = `(${last.id}`;
    }
  }

  function toStored({ id, doc, fields }: Entry): StoredUpdate {
    const stored: StoredUpdate = {
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
    };
    const effect = text(fields.le);
    return {
      ...stored,
      ...(fields.cmd === undefined ? {} : { command: text(fields.cmd) }),
      ...(effect === "lock" || effect === "unlock" ? { lockEffect: { type: effect, target: text(fields.lt) } } : {}),
      ...(fields.o === undefined ? {} : { origin: text(fields.o) }),
    };
  }

  /** KEYS and ARGV of the append script for a validated batch (see APPEND_LUA). */
  function scriptCall(records: readonly UpdateRecord[]): { keys: string[]; args: (string | Buffer)[] } {
    const keys: string[] = [];
    const slot = new Map<string, number>();
    const indexOf = (key: string) => {
      let index = slot.get(key);
      if (index === undefined) {
        index = keys.push(key);
        slot.set(key, index);
      }
      return String(index);
    };
    const args: (string | Buffer)[] = [];
    for (const r of records) {
      const section = sectionOf(r.doc);
      const { sub, name, role, delegation } = r.author;
      args.push(
        indexOf(logKey(r.doc)),
        indexOf(seqKey(section)),
        indexOf(docsKey(section)),
        indexOf(locksKey(section)),
      );
      args.push(r.doc, toBuffer(r.update), sub, name, role, delegation ?? "", String(r.at));
      args.push(r.command === undefined ? "0" : "1", r.command ?? "");
      args.push(r.lockEffect?.type ?? "", r.lockEffect?.target ?? "", r.origin ?? "");
      args.push(r.expectHead === undefined ? "0" : "1", r.expectHead ?? "");
    }
    return { keys, args };
  }

  return reportingOutages({
    prefix,
    async append(records: readonly UpdateRecord[]) {
      // Validate the whole batch before sending any of it.
      for (const r of records) {
        sectionOf(r.doc);
        checkLockEffect(r);
        if (typeof r.expectHead === "string") checkId(r.expectHead);
      }
      if (records.length === 0) return [];
      // One script per slot on a cluster (per section, in order); one for the batch on one server.
      const groups = conn.cluster ? bySection(records) : [records.map((record, at) => ({ record, at }))];
      const out: (string | null)[] = new Array(records.length).fill(null);
      for (const group of groups) {
        const { keys, args } = scriptCall(group.map((g) => g.record));
        const ids = await conn.appendBatch(APPEND_LUA, keys, args).catch(conflictOf);
        if (ids.length !== group.length) throw new Error(`append: expected ${group.length} ids, got ${ids.length}`);
        for (const [i, g] of group.entries())
          out[g.at] = ids[i] === null || ids[i] === undefined ? null : String(ids[i]);
      }
      return out;
    },

    async load(doc: string): Promise<DocLog> {
      sectionOf(doc);
      const snap = await conn.hmGetBuffers(snapKey(doc), ["state", "head"]);
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
      await conn.evalScript(SNAPSHOT_LUA, [snapKey(doc)], [toBuffer(state), checkId(head)]);
    },

    async history(doc: string, until?: string | null): Promise<StoredUpdate[]> {
      return (await readLog(doc, "-", rangeEnd(until))).map(toStored);
    },

    async sectionHistory(sectionKey: string, until?: string | null): Promise<StoredUpdate[]> {
      checkSectionKey(sectionKey);
      const end = rangeEnd(until);
      const docs = (await conn.sMembers(docsKey(sectionKey))).filter((doc) => parseDocName(doc).ok);
      const logs = await Promise.all(docs.map((doc) => readLog(doc, "-", end)));
      return mergeById(logs).map(toStored);
    },

    async position(sectionKey: string) {
      checkSectionKey(sectionKey);
      const n = await conn.get(seqKey(sectionKey));
      return n === null ? null : `${n}-0`;
    },

    async positions(sectionKeys: readonly string[]) {
      for (const key of sectionKeys) checkSectionKey(key);
      // One script reads every counter at one instant; a cluster needs one per slot.
      const groups = conn.cluster ? sectionKeys.map((key) => [key]) : [sectionKeys];
      const out: Record<string, string | null> = {};
      for (const group of groups) {
        if (group.length === 0) continue;
        const values = (await conn.evalScript(POSITIONS_LUA, group.map(seqKey), [])) as (string | false | null)[];
        for (const [i, key] of group.entries()) {
          const n = values[i];
          out[key] = typeof n === "string" ? `${n}-0` : null;
        }
      }
      return out;
    },

    async lockedDocs(prefix: string) {
      // Every section's lock set (an administrative read, not on the write path).
      const sets = await conn.scan(`${escapeGlob(options.prefix)}{*}:locks`);
      const docs = (await Promise.all(sets.map((key) => conn.sMembers(key)))).flat();
      return docs.filter((doc) => doc.startsWith(prefix)).sort();
    },

    async saveRevision(session: string, revision: RevisionRecord) {
      checkSession(session);
      return await conn.hSetNX(revisionsKey(session), revision.label, JSON.stringify(revision));
    },

    async getRevision(session: string, label: string) {
      checkSession(session);
      const json = await conn.hGet(revisionsKey(session), label);
      return json == null ? null : (JSON.parse(json) as RevisionRecord);
    },

    async listRevisions(session: string) {
      checkSession(session);
      const all = await conn.hVals(revisionsKey(session));
      return all.map((json) => JSON.parse(json) as RevisionRecord).sort(byTime);
    },

    async createSession(session: SessionRecord) {
      return await conn.hSetNX(sessionsKey, session.id, JSON.stringify(session));
    },

    async getSession(id: string) {
      const json = await conn.hGet(sessionsKey, id);
      return json == null ? null : (JSON.parse(json) as SessionRecord);
    },

    async listSessions() {
      const all = await conn.hVals(sessionsKey);
      return all.map((json) => JSON.parse(json) as SessionRecord).sort(byCreation);
    },

    follow(deliver, onError) {
      const { reader, unblock } = conn.followReader(onError);
      return followRedisStreams({
        reader,
        ...(unblock ? { unblock } : {}),
        // A cluster cannot read streams of several slots in one call.
        ...(conn.cluster ? { groupOf: (key: string) => key.slice(0, key.indexOf("}") + 1) } : {}),
        keyOf: logKey,
        decode: (doc, entry) => toStored({ id: entry.id, doc, fields: entry.fields }),
        deliver,
        ...(onError ? { onError } : {}),
        ...(options.followBlockMs === undefined ? {} : { blockMs: options.followBlockMs }),
      });
    },

    presence(node, onError) {
      return redisPresenceBus(conn.pubsub(onError), (doc) => `${tag(sectionOf(doc))}presence:${doc}`, node, onError);
    },

    async ping() {
      await conn.ping();
    },

    async close() {
      await conn.close();
    },
  });
}

/** The script's GAVELCONFLICT reply as a StoreConflictError; anything else as it is. */
function conflictOf(error: unknown): never {
  const match = error instanceof Error ? /^GAVELCONFLICT (\S+)/.exec(error.message) : null;
  throw match ? new StoreConflictError(match[1] ?? "a document") : error;
}

/** Groups a batch by section, keeping each record's place in it; groups in order of first record. */
function bySection(records: readonly UpdateRecord[]): { record: UpdateRecord; at: number }[][] {
  const groups = new Map<string, { record: UpdateRecord; at: number }[]>();
  for (const [at, record] of records.entries()) {
    const key = sectionOf(record.doc);
    const group = groups.get(key) ?? [];
    group.push({ record, at });
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** A glob pattern matching `text` literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Oldest first, ties by label (the SQLite store lists revisions the same way). */
function byTime(a: RevisionRecord, b: RevisionRecord): number {
  return a.at - b.at || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/** Oldest first, ties by id (the SQLite store lists sessions the same way). */
function byCreation(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Marks an unused prefix with the current layout; refuses one that holds data of another
 * layout (sessions but no mark): reading it as empty would hide every stored update.
 */
async function checkLayout(conn: RedisConnection, prefix: string): Promise<void> {
  const layout = await conn.get(`${prefix}layout`);
  if (layout === LAYOUT) return;
  if (layout !== null || (await conn.exists(`${prefix}sessions`)))
    throw new Error(
      `Redis prefix ${JSON.stringify(prefix)} holds data of an older layout (${layout ?? "1"}); use a new prefix`,
    );
  await conn.setNX(`${prefix}layout`, LAYOUT);
}
