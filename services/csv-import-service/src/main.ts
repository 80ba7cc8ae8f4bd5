import { runServiceMain } from '@crp/service-kit/main';
import { createCsvImportService } from './composition-root';
import { SERVICE, loadConfig } from './config';

runServiceMain({ service: SERVICE, loadConfig: () => loadConfig(), create: createCsvImportService });
