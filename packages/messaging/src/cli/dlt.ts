#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { adminFromEnv, print } from './env';

const USAGE = `usage: npm run dlt -- <command> [options]

  list                        dead-letter topics: messages held, already replayed
  show <topic.DLT>            the dead letters: why (code, message, attempts, group), where from, key
      --limit <n>             at most n (default 20)   --json   one JSON object per line, value included
  replay <topic.DLT>          send each dead letter not replayed yet back to its original topic
      --dry-run               count what would be replayed, send nothing

Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX (as the services).
Fix the cause first (a deploy, a data correction): a replayed event that fails again comes back.`;

/** The command, testable in-process: returns the exit code. */
export async function runDlt(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = print,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [command, topic] = positionals;
  if (values.help || !command || !['list', 'show', 'replay'].includes(command)) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== 'list' && !topic?.endsWith('.DLT')) {
    out(`${command} needs a dead-letter topic, e.g. OrderImported.DLT\n\n${USAGE}`);
    return 2;
  }
  const admin = adminFromEnv(env);
  try {
    if (command === 'list') {
      const topics = await admin.listDeadLetterTopics();
      if (topics.length === 0) out('no dead-letter topics');
      for (const t of topics)
        out(
          `${t.topic.padEnd(34)} ${String(t.messages).padStart(7)} messages ${String(t.replayed).padStart(7)} replayed`,
        );
      return 0;
    }
    if (command === 'show') {
      const letters = await admin.readDeadLetters(topic!, Number(values.limit ?? 20));
      for (const d of letters) {
        if (values.json) {
          out(JSON.stringify(d));
          continue;
        }
        const h = d.headers;
        out(
          [
            `${topic} partition ${d.partition} offset ${d.offset}  key ${d.key ?? '-'}  failed ${h['dlt-failed-at'] ?? '?'}`,
            `  from ${h['dlt-original-topic'] ?? '?'} [${h['dlt-original-partition'] ?? '?'}] offset ${h['dlt-original-offset'] ?? '?'}, group ${h['dlt-consumer-group'] ?? '?'}, ${h['dlt-attempts'] ?? '?'} attempt(s)`,
            `  ${h['dlt-error-code'] ?? 'ERROR'}: ${h['dlt-error-message'] ?? ''}`,
            `  ${d.value.length > 300 ? `${d.value.slice(0, 300)}…` : d.value}`,
          ].join('\n'),
        );
      }
      if (letters.length === 0) out(`${topic} holds no messages`);
      return 0;
    }
    const { replayed, byTopic } = await admin.replayDeadLetters(topic!, { dryRun: values['dry-run'] });
    const where = Object.entries(byTopic)
      .map(([t, n]) => `${n} to ${t}`)
      .join(', ');
    out(`${values['dry-run'] ? 'would replay' : 'replayed'} ${replayed}${where ? ` (${where})` : ''}`);
    return 0;
  } finally {
    await admin.close();
  }
}

if (require.main === module) {
  runDlt(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`dlt: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
