import { type CommandParser, createClient, createCluster, defineScript, RESP_TYPES } from "redis";
import type { FollowReader, RawEntry } from "./redisFollower.ts";

/**
 * What the Redis store needs of Redis, over one server or a Redis Cluster. Every command names
 * keys of one hash slot (the store's keys of a section share the tag `{SESSION/SECTION}`), so
 * each is routed whole to one node and every script stays atomic.
 */
export interface RedisConnection {
  readonly cluster: boolean;
  /** Runs the store's append script (see redisStore.ts). */
  appendBatch(script: string, keys: string[], args: (string | Buffer)[]): Promise<(string | null)[]>;
  /** A small script run by EVAL (not on the write path). */
  evalScript(script: string, keys: string[], args: (string | Buffer)[]): Promise<unknown>;
  xRange(key: string, from: string, end: string, count: number): Promise<RawEntry[]>;
  hmGetBuffers(key: string, fields: string[]): Promise<(Buffer | null)[]>;
  hSet(key: string, fields: Record<string, string | Buffer>): Promise<void>;
  sMembers(key: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  setNX(key: string, value: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  hSetNX(key: string, field: string, value: string): Promise<boolean>;
  hGet(key: string, field: string): Promise<string | null>;
  hVals(key: string): Promise<string[]>;
  /** Every key matching `pattern`, on every master. */
  scan(pattern: string): Promise<string[]>;
  /** Sharded pub/sub (SPUBLISH, SSUBSCRIBE): presence between nodes, on a subscriber connection of its own. */
  pubsub(onError?: (error: unknown) => void): PubSub;
  /** A connection of its own for a follower's reads, and how to end one of its blocking reads. */
  followReader(onError?: (error: unknown) => void): {
    reader: FollowReader;
    unblock?: (clientId: number) => Promise<void>;
  };
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

export type RedisTarget = { readonly url: string } | { readonly clusterNodes: readonly string[] };

/** The append script is loaded once per connection and run by its SHA (EVALSHA, NOSCRIPT reload). */
function appendScript(source: string) {
  return defineScript({
    NUMBER_OF_KEYS: undefined,
    SCRIPT: source,
    parseCommand(parser: CommandParser, keys: string[], args: (string | Buffer)[]) {
      parser.pushKeysLength(keys);
      // One push per argument: spreading a large batch into one call overflows the call stack.
      for (const arg of args) parser.push(arg);
    },
    transformReply: (reply: (string | null)[]) => reply,
  });
}

function entries(page: readonly { id: unknown; message: unknown }[]): RawEntry[] {
  return page.map((entry) => ({ id: String(entry.id), fields: entry.message as Record<string, Buffer> }));
}

/**
 * Opens a connection: one server (`url`) or a cluster (`clusterNodes`, `host:port` of some of
 * its nodes). Commands fail while disconnected instead of queueing: `ping` must reject and an
 * `append` must not be acknowledged late, out of its caller's order.
 */
export async function connectRedis(
  target: RedisTarget,
  script: string,
  onError?: (error: Error) => void,
): Promise<RedisConnection> {
  if ("url" in target) {
    const client = newClient(target.url, script);
    client.on("error", (error: Error) => onError?.(error));
    await client.connect();
    return standalone(client);
  }
  const cluster = newCluster(target.clusterNodes, script);
  cluster.on("error", (error: Error) => onError?.(error));
  await cluster.connect();
  return clustered(cluster);
}

function newClient(url: string, script: string) {
  return createClient({ url, disableOfflineQueue: true, scripts: { appendBatch: appendScript(script) } });
}

function newCluster(nodes: readonly string[], script: string) {
  return createCluster({
    rootNodes: nodes.map((node) => ({ url: `redis://${node}` })),
    defaults: { disableOfflineQueue: true },
    scripts: { appendBatch: appendScript(script) },
  });
}

type Standalone = ReturnType<typeof newClient>;
type Cluster = ReturnType<typeof newCluster>;

type KeyCommands = Pick<
  RedisConnection,
  | "appendBatch"
  | "evalScript"
  | "xRange"
  | "hmGetBuffers"
  | "hSet"
  | "sMembers"
  | "get"
  | "setNX"
  | "exists"
  | "hSetNX"
  | "hGet"
  | "hVals"
>;

/** The commands on one section's keys: the same calls on one server and on a cluster. */
function keyCommands(client: Standalone | Cluster): KeyCommands {
  // Same connection, but bulk strings come back as Buffers: needed for binary fields.
  const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  return {
    appendBatch: (_script, keys, args) => client.appendBatch(keys, args),
    evalScript: (script, keys, args) => client.eval(script, { keys, arguments: args }),
    xRange: async (key, from, end, count) => entries((await bin.xRange(key, from, end, { COUNT: count })) ?? []),
    hmGetBuffers: (key, fields) => bin.hmGet(key, fields),
    hSet: async (key, fields) => void (await client.hSet(key, fields)),
    sMembers: (key) => client.sMembers(key),
    get: (key) => client.get(key),
    setNX: async (key, value) => void (await client.set(key, value, { NX: true })),
    exists: async (key) => (await client.exists(key)) > 0,
    hSetNX: async (key, field, value) => (await client.hSetNX(key, field, value)) === 1,
    hGet: async (key, field) => (await client.hGet(key, field)) ?? null,
    hVals: (key) => client.hVals(key),
  };
}

/** Sharded pub/sub: `publisher` publishes, `sub` (a connection of its own) subscribes. */
function pubSub(
  publisher: Standalone | Cluster,
  sub: Standalone | Cluster,
  onError?: (error: unknown) => void,
): PubSub {
  sub.on("error", (error: Error) => onError?.(error));
  const ready = sub.connect();
  return {
    publish: async (channel, message) => void (await publisher.sPublish(channel, message)),
    subscribe: async (channel, listener) => {
      await ready;
      await sub.sSubscribe(channel, (message) => listener(message));
    },
    unsubscribe: async (channel) => {
      await ready;
      await sub.sUnsubscribe(channel);
    },
    close: async () => {
      await ready.catch(() => undefined);
      await sub.close().catch(() => undefined);
    },
  };
}

function standalone(client: Standalone): RedisConnection {
  return {
    cluster: false,
    ...keyCommands(client),
    scan: async (pattern) => {
      const found: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) found.push(...keys);
      return found;
    },
    followReader: (onError) => {
      const conn = client.duplicate();
      conn.on("error", (error: Error) => onError?.(error));
      const ready = conn.connect();
      return {
        reader: streamReader(ready.then(() => conn.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }))),
        unblock: async (clientId) => void (await client.clientUnblock(clientId)),
      };
    },
    pubsub: (onError) => pubSub(client, client.duplicate(), onError),
    ping: async () => void (await client.ping()),
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}

function clustered(cluster: Cluster): RedisConnection {
  return {
    cluster: true,
    ...keyCommands(cluster),
    scan: async (pattern) => {
      const found: string[] = [];
      for (const master of cluster.masters) {
        const node = await cluster.nodeClient(master);
        for await (const keys of node.scanIterator({ MATCH: pattern, COUNT: 500 })) found.push(...keys);
      }
      return found;
    },
    // No CLIENT UNBLOCK across a cluster: the follower reads without blocking (short polls).
    followReader: (onError) => {
      const conn = cluster.duplicate();
      conn.on("error", (error: Error) => onError?.(error));
      const ready = conn.connect();
      return { reader: streamReader(ready.then(() => conn.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }))) };
    },
    pubsub: (onError) => pubSub(cluster, cluster.duplicate(), onError),
    ping: async () => {
      for (const master of cluster.masters) await (await cluster.nodeClient(master)).ping();
    },
    close: async () => {
      await cluster.close();
    },
  };
}

/** What a follower's connection must answer: XREAD with Buffers, its id, and closing. */
interface ReadConnection {
  xRead(streams: { key: string; id: string }[], options: { BLOCK?: number; COUNT: number }): Promise<unknown>;
  clientId?(): Promise<number>;
  destroy(): void;
  readonly isOpen: boolean;
}

function streamReader(connecting: Promise<ReadConnection>): FollowReader {
  return {
    async read(streams, block, count) {
      const conn = await connecting;
      const reply = await conn.xRead(
        streams.map((s) => ({ key: s.key, id: s.id })),
        block === null ? { COUNT: count } : { BLOCK: block, COUNT: count },
      );
      if (reply === null || reply === undefined) return null;
      return (reply as { name: Buffer; messages: { id: Buffer; message: unknown }[] }[]).map((stream) => ({
        key: stream.name.toString(),
        entries: entries(stream.messages),
      }));
    },
    async clientId() {
      const conn = await connecting;
      if (!conn.clientId) throw new Error("no client id on a cluster connection");
      return conn.clientId();
    },
    async close() {
      const conn = await connecting.catch(() => null);
      if (conn?.isOpen) conn.destroy();
    },
  };
}
