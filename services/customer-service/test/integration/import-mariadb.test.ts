import { describeReal } from '@crp/testing/real-infra';
import { importScenarios } from '../support/import-scenarios';
import { realCustomerService } from '../support/real-stack';

describeReal('customer-service customer CSV import (SPEC §4) on real MariaDB and Kafka', () => {
  importScenarios(realCustomerService('custi'));
});
