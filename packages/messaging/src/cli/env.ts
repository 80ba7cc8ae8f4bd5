import { KafkaAdmin } from '../kafka-admin';

/** The admin client the CLIs use, from the same variables the services read. */
export function adminFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaAdmin {
  return new KafkaAdmin({
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
  });
}

export const print = (line: string) => process.stdout.write(`${line}\n`);
