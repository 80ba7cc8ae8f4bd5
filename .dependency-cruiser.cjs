// Architecture rules checked on every build (npm run depcheck).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-service-to-service',
      comment: 'Services are deployed alone and talk only over Kafka: never import another service.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/([^/]+)/', pathNot: '^services/$1/' },
    },
    {
      name: 'packages-do-not-import-services',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure rules: no infrastructure, no framework, no I/O.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: {
        path: [
          '^services/[^/]+/src/(infra|http|app)/',
          'node_modules/(typeorm|mysql2|sql\\.js|kafkajs|express|pino|prom-client|jose)/',
          '^packages/(messaging|platform)/',
        ],
      },
    },
    {
      name: 'app-reaches-storage-through-ports',
      comment:
        'Use cases declare what they need in src/app/ports.ts; src/infra implements it and the composition root wires it. app never imports infra or http.',
      severity: 'error',
      from: { path: '^services/(order-ingest-service|customer-service|tpl-connection-service)/src/app/' },
      to: { path: '^services/[^/]+/src/(infra|http)/' },
    },
    {
      name: 'infra-does-not-import-the-wiring',
      comment:
        'Adapters never reach up into the composition root, main or http (migrate.ts lives beside main.ts).',
      severity: 'error',
      from: { path: '^services/[^/]+/src/infra/' },
      to: { path: '^services/[^/]+/src/(composition-root|main|migrate|http/)' },
    },
    {
      name: 'only-messaging-imports-kafkajs',
      severity: 'error',
      from: { pathNot: '^packages/messaging/' },
      to: { path: 'node_modules/kafkajs/' },
    },
    {
      name: 'no-relative-cross-package',
      comment: 'Packages are imported by name through their exports, never by ../ across workspaces.',
      severity: 'error',
      from: { path: '^(packages|services)/([^/]+)/' },
      to: { path: '^(packages|services)/', pathNot: '^$1/$2/', dependencyTypes: ['local'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // dist/ and node_modules are targets (a service importing another service's build must be
    // caught) but are never cruised themselves.
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    exclude: { path: '(^|/)reports/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
    },
  },
};
