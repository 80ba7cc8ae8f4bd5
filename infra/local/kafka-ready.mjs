#!/usr/bin/env node
// Usage: node infra/local/kafka-ready.mjs [brokers]   (e.g. 127.0.0.1:9092,127.0.0.1:9094)
//
// Exits 0 once the broker(s) answer real requests, 1 after KAFKA_READY_TIMEOUT
// seconds (default 60) with the last error, 2 if the check itself cannot run.
//
// Why not just probe the TCP port: a KRaft broker opens its port a few
// seconds before it has a controller, can create topics or serve metadata, and
// clients started in that window fail with "not available" / "coordinator is
// loading". Creating a topic and reading its metadata back proves the
// controller quorum, the broker registration and the request path all work.
//
// kafkajs is resolved from the repo root node_modules (Node walks up from this
// file's directory), so this works from any cwd.

const TOPIC = '__readiness';
const RETRY_PAUSE_MS = 500;

const brokers = (process.argv[2] || process.env.KAFKA_BROKERS || '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);

const timeoutSeconds = Number(process.env.KAFKA_READY_TIMEOUT ?? 60);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  console.error(
    `kafka-ready: KAFKA_READY_TIMEOUT must be a positive number of seconds, got "${process.env.KAFKA_READY_TIMEOUT}"`,
  );
  process.exit(2);
}

// Dynamic rather than static import so that a missing dependency is reported as
// "cannot run the check" (exit 2) instead of looking like "broker not ready".
let Kafka;
let logLevel;
try {
  ({ Kafka, logLevel } = await import('kafkajs'));
} catch (err) {
  console.error(`kafka-ready: cannot load kafkajs (run "npm install" at the repo root): ${err.message}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A hung connection must not outlive the overall deadline.
function withDeadline(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkOnce() {
  // Fresh client per attempt: kafkajs caches broker metadata and connection
  // state, which can stay wrong after a failed early attempt.
  const kafka = new Kafka({
    clientId: 'kafka-ready',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    // Retrying is this script's job, with its own deadline.
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Resolves false (no error) when the topic already exists, so concurrent
    // readiness checks against one broker do not trip over each other.
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 10000,
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0 || partitions.some((p) => p.leader < 0)) {
      throw new Error(`topic ${TOPIC} has no leader yet`);
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const started = Date.now();
const deadline = started + timeoutSeconds * 1000;
let lastError;
let attempts = 0;

while (Date.now() < deadline) {
  attempts += 1;
  try {
    await withDeadline(checkOnce(), Math.max(1000, deadline - Date.now()));
    console.log(
      `kafka-ready: ${brokers.join(',')} ready after ${Date.now() - started} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`,
    );
    // Explicit exit: a timed-out attempt may still hold a socket open.
    process.exit(0);
  } catch (err) {
    lastError = err;
  }
  await sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, deadline - Date.now())));
}

const detail = lastError ? `${lastError.name ?? 'Error'}: ${lastError.message}` : 'no attempt completed';
console.error(
  `kafka-ready: ${brokers.join(',')} not ready after ${timeoutSeconds}s (${attempts} attempts); last error: ${detail}`,
);
process.exit(1);
