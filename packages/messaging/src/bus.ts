/**
 * The bus port. Two adapters implement it with the same semantics: Kafka (kafka-bus.ts, the only
 * kafkajs import) and an in-process log (in-process-bus.ts) for the zero-setup default.
 *
 * Semantics both keep: topics split into partitions by key (one key, one partition, in order);
 * consumer groups each see every message; at-least-once delivery — a batch handler that throws
 * gets the un-acknowledged messages again.
 */
export interface OutgoingMessage {
  /** Logical topic; adapters add the configured prefix. */
  topic: string;
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface BatchControl {
  /** Marks a message done; its offset is committed even if a later one in the batch fails. */
  ack(message: IncomingMessage): void;
  heartbeat(): Promise<void>;
  /** True once stop() was called: finish the current message and return. */
  isStopping(): boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** A new group reads from the beginning of the topics (default true: nothing published before the
   * first deploy of a consumer is lost). */
  fromBeginning?: boolean;
  eachBatch(messages: IncomingMessage[], control: BatchControl): Promise<void>;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'in-process';
  publish(messages: OutgoingMessage[]): Promise<void>;
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  ensureTopics(topics: string[]): Promise<void>;
  /** Resolves when the bus answers a metadata round trip (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const deadLetterTopic = (topic: string) => `${topic}.DLT`;
