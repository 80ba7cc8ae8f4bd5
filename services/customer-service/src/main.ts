import { runServiceMain } from '@crp/service-kit/main';
import { createCustomerService } from './composition-root';
import { SERVICE, loadConfig } from './config';

runServiceMain({ service: SERVICE, loadConfig: () => loadConfig(), create: createCustomerService });
