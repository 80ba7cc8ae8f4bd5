import type { Logger } from '@crp/platform/logger';
import type { Bus } from './bus';
import { InProcessBus } from './in-process-bus';
import { KafkaBus } from './kafka-bus';

export interface BusConfig {
  BUS: 'kafka' | 'in-process';
  KAFKA_BROKERS: string;
  KAFKA_CLIENT_ID?: string;
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_TOPIC_PARTITIONS?: number;
  CONSUMER_PARTITIONS_CONCURRENTLY?: number;
  CONSUMER_MAX_WAIT_MS?: number;
  CONSUMER_MAX_BYTES_PER_PARTITION?: number;
  CONSUMER_SESSION_TIMEOUT_MS?: number;
}

export function createBus(cfg: BusConfig, service: string, logger: Logger): Bus {
  if (cfg.BUS === 'in-process') return new InProcessBus();
  return new KafkaBus({
    brokers: cfg.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    clientId: cfg.KAFKA_CLIENT_ID ?? service,
    topicPrefix: cfg.KAFKA_TOPIC_PREFIX,
    logger,
    partitions: cfg.KAFKA_TOPIC_PARTITIONS,
    partitionsConsumedConcurrently: cfg.CONSUMER_PARTITIONS_CONCURRENTLY,
    maxWaitTimeInMs: cfg.CONSUMER_MAX_WAIT_MS,
    maxBytesPerPartition: cfg.CONSUMER_MAX_BYTES_PER_PARTITION,
    sessionTimeoutMs: cfg.CONSUMER_SESSION_TIMEOUT_MS,
  });
}
