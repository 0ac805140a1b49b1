import { decodePresenceMessage, type PresenceBus, type PresenceMessage } from "./PresenceBus.ts";
import type { PubSub } from "./redisConnection.ts";

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
  const joined = new Map<string, (message: PresenceMessage) => void>();
  return {
    join(doc, receive) {
      const channel = channelOf(doc);
      joined.set(channel, receive);
      const subscribed = pubsub
        .subscribe(channel, (raw) => {
          const message = decodePresenceMessage(raw);
          if (message && message.node !== node) joined.get(channel)?.(message);
        })
        .catch(onError);
      return {
        publish: (message) => {
          // After the subscription: a node that asks for presence hears the answers.
          void subscribed.then(() => pubsub.publish(channel, JSON.stringify({ ...message, node })).catch(onError));
        },
        close: () => {
          if (joined.get(channel) !== receive) return;
          joined.delete(channel);
          void subscribed.then(() => pubsub.unsubscribe(channel)).catch(onError);
        },
      };
    },
    close: () => pubsub.close(),
  };
}
