import { runServiceMain } from '@crp/service-kit/main';
import { createTplConnectionService } from './composition-root';
import { SERVICE, loadConfig } from './config';

runServiceMain({ service: SERVICE, loadConfig: () => loadConfig(), create: createTplConnectionService });
