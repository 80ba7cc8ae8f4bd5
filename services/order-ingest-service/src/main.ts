import { runServiceMain } from '@crp/service-kit/main';
import { createOrderIngestService } from './composition-root';
import { SERVICE, loadConfig } from './config';

runServiceMain({ service: SERVICE, loadConfig: () => loadConfig(), create: createOrderIngestService });
