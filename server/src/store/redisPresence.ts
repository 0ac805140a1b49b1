import { decodePresenceMessage, type PresenceBus, type PresenceMessage } from "./PresenceBus.ts";
import type { PubSub } from "./redisConnection.ts";

/** One channel: who receives it now, and its subscribe/unsubscribe calls, one after another. */
interface Channel {
  receiver: ((message: PresenceMessage) => void) | null;
  subscribed: boolean;
  /** Subscribe and unsubscribe never overlap: a join right after a close is not lost to it. */
  chain: Promise<void>;
}

/**
 * Presence between nodes over Redis sharded pub/sub: one channel per document, in its
 * section's hash slot (`PREFIX {SESSION/SECTION}:presence:DOC`), so it works alike on one server
 * and on a cluster. Messages are JSON; a node's own are not handed back to it.
 */
export function redisPresenceBus(
  pubsub: PubSub,
  channelOf: (doc: string) => string,
  node: string,
  onError: (error: unknown) => void,
): PresenceBus {
  const channels = new Map<string, Channel>();
  let closed = false;
  const report = (error: unknown) => {
    if (!closed) onError(error);
  };

  /** Brings the subscription in line with whether someone receives the channel. */
  const settle = (name: string, channel: Channel): Promise<void> => {
    channel.chain = channel.chain.then(async () => {
      if (closed) return;
      if (channel.receiver && !channel.subscribed) {
        await pubsub.subscribe(name, (raw) => {
          const message = decodePresenceMessage(raw);
          if (message && message.node !== node) channel.receiver?.(message);
        });
        channel.subscribed = true;
      } else if (!channel.receiver && channel.subscribed) {
        await pubsub.unsubscribe(name);
        channel.subscribed = false;
        if (!channel.receiver && channels.get(name) === channel) channels.delete(name);
      }
    });
    channel.chain = channel.chain.catch(report);
    return channel.chain;
  };

  return {
    join(doc, receive) {
      const name = channelOf(doc);
      const channel = channels.get(name) ?? { receiver: null, subscribed: false, chain: Promise.resolve() };
      channels.set(name, channel);
      channel.receiver = receive;
      const subscribed = settle(name, channel);
      return {
        publish: (message) => {
          // After the subscription: a node that asks for presence hears the answers.
          void subscribed.then(() =>
            closed ? undefined : pubsub.publish(name, JSON.stringify({ ...message, node })).catch(report),
          );
        },
        close: () => {
          if (channel.receiver !== receive) return;
          channel.receiver = null;
          void settle(name, channel);
        },
      };
    },
    close: async () => {
      closed = true;
      channels.clear();
      await pubsub.close().catch(() => undefined);
    },
  };
}
