import { describeReal } from '@crp/testing/real-infra';
import { securitySuite } from './security-suite';

// The same matrix with every service on its own MariaDB database and the events through Kafka.
describeReal('security matrix, every route of every service (MariaDB + Kafka)', () => {
  securitySuite('real', 'sec_real');
});
