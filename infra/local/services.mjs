// The four services as the local launchers see them: name, default port, database name,
// and how to build each from its composition root (only built dist/ is loaded).
export const SERVICES = [
  { name: 'order-ingest-service', port: 3001, db: 'crp_order_ingest', factory: 'createOrderIngestService' },
  { name: 'customer-service', port: 3002, db: 'crp_customer', factory: 'createCustomerService' },
  { name: 'csv-import-service', port: 3003, db: 'crp_csv_import', factory: 'createCsvImportService' },
  {
    name: 'tpl-connection-service',
    port: 3004,
    db: 'crp_tpl_connection',
    factory: 'createTplConnectionService',
  },
];

/** CUSTOMER_SERVICE_PORT, CUSTOMER_SERVICE_DATABASE_URL, … override per service. */
export const envKey = (service, key) => `${service.name.replace(/-/g, '_').toUpperCase()}_${key}`;
