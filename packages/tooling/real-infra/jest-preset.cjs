// Like the unit preset, plus a global setup that makes sure the real MariaDB and Kafka are up.
const base = require('../jest-preset.cjs');

module.exports = {
  ...base,
  globalSetup: require.resolve('./global-setup.cjs'),
  testTimeout: 60000,
};
