import { describeReal } from '@crp/testing/real-infra';
import { writeScenarios } from '../support/write-scenarios';
import { realCustomerService } from '../support/real-stack';

describeReal('customer-service write side (SPEC §2) on real MariaDB and Kafka', () => {
  writeScenarios(realCustomerService('custw'));
});
