// Runs once per jest run, before any worker starts, so the env it sets is inherited by the workers.
// Real-infrastructure suites (see @crp/testing/real-infra) read REAL_INFRA_STATUS to decide to run.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

module.exports = async function globalSetup() {
  if (process.env.REAL_INFRA === 'off') {
    process.env.REAL_INFRA_STATUS = 'disabled: REAL_INFRA=off';
    warn(process.env.REAL_INFRA_STATUS);
    return;
  }
  const external = process.env.KAFKA_BROKERS && process.env.MYSQL_URL;
  try {
    if (!external) {
      // Idempotent and locked: parallel jest runs share one broker.
      execFileSync('bash', [path.join(repoRoot, 'infra/local/up.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
      process.env.KAFKA_BROKERS = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
      process.env.MYSQL_URL = process.env.MYSQL_URL || 'mysql://root@127.0.0.1:3306';
    }
    process.env.REAL_INFRA_STATUS = 'up';
  } catch (err) {
    const detail =
      (err.stderr && err.stderr.toString()) || (err.stdout && err.stdout.toString()) || err.message;
    const reason = `real Kafka/MariaDB could not be started: ${detail.trim().split('\n').slice(-15).join('\n')}`;
    if (process.env.CI === 'true')
      throw new Error(`${reason}\n(CI=true: a missing real-infrastructure suite is a failure)`);
    process.env.REAL_INFRA_STATUS = `unavailable: ${reason}`;
    warn(reason);
  }
};

function warn(reason) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! REAL-INFRASTRUCTURE SUITES WILL BE SKIPPED\n!! ${reason}\n${bar}\n\n`);
}
