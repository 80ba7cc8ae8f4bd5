#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { topicPlan } from '../topic-plan';
import { adminFromEnv, print } from './env';

const USAGE = `usage: node packages/messaging/dist/cli/topics.js <plan|apply> [options]   (npm run topics -- …)

  plan                   print the topics, partitions and retention a deployment needs
  apply                  create missing topics, add partitions, set retention (idempotent)
  --partitions <n>       event topics' partitions (default: docs/scaling.md, 96 / 48)
  --replication <n>      replication factor of created topics (default: the broker's)

Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX.`;

/** The command, testable in-process: returns the exit code. */
export async function runTopics(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = print,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { partitions: { type: 'string' }, replication: { type: 'string' }, help: { type: 'boolean' } },
  });
  const command = positionals[0];
  if (values.help || (command !== 'plan' && command !== 'apply')) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const partitions = values.partitions ? Number(values.partitions) : undefined;
  const replicationFactor = values.replication ? Number(values.replication) : undefined;
  if (
    (partitions !== undefined && !(partitions >= 1)) ||
    (replicationFactor !== undefined && !(replicationFactor >= 1))
  ) {
    out('--partitions and --replication must be positive numbers');
    return 2;
  }
  const plan = topicPlan({ partitions });
  if (command === 'plan') {
    for (const t of plan)
      out(
        `${t.topic.padEnd(34)} ${String(t.partitions).padStart(4)} partitions  retention ${t.retentionMs / 86_400_000} d`,
      );
    return 0;
  }
  const admin = adminFromEnv(env);
  try {
    const actions = await admin.applyTopicPlan(plan, { replicationFactor });
    for (const a of actions) out(`${a.topic.padEnd(34)} ${a.action}${a.detail ? ` (${a.detail})` : ''}`);
    return 0;
  } finally {
    await admin.close();
  }
}

if (require.main === module) {
  runTopics(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`topics: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
