import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAll } from 'js-yaml';
import { topicPlan } from '@crp/messaging/topic-plan';
import { loadConfig as csvImportConfig } from '@crp/csv-import-service/config';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { loadConfig as orderIngestConfig } from '@crp/order-ingest-service/config';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';

// The Kubernetes manifests of infra/k8s (issue 20): they parse, each service has what it needs to
// be rolled out alone, and the environment they give a service is one its config accepts.

const root = resolve(__dirname, '..', '..', '..');
const dir = join(root, 'infra/k8s');

interface K8s {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources: { requests: { cpu?: string; memory: string }; limits: { memory: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
}

const docs = (file: string) => loadAll(readFileSync(join(dir, file), 'utf8')) as K8s[];
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap(docs);
const find = (kind: string, name: string) => {
  const found = all.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? NaN);
const podOf = (d: K8s) => (d.spec as { template: { spec: PodSpec } }).template.spec;
const envFile = (file: string) =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const documented = new Set(Object.keys(envFile(join(root, '.env.example'))));

// Peak RSS measured (docs/performance.md for the first two; idle for the others, see the manifests).
const services = {
  'order-ingest-service': { port: 3001, rssMb: 308, loadConfig: orderIngestConfig },
  'customer-service': { port: 3002, rssMb: 273, loadConfig: customerConfig }, // with its 256 MB old space (ADR 0028)
  'csv-import-service': { port: 3003, rssMb: 239, loadConfig: csvImportConfig },
  'tpl-connection-service': { port: 3004, rssMb: 119, loadConfig: tplConfig },
} as const;

// What an operator would put in secrets/<service>.env: values of the right shape.
const secretValues: Record<string, string> = {
  DATABASE_URL: 'mysql://svc:pw@mysql.crp.svc:3306/crp_x',
  CHANNEL_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
  CHANNEL_CREDENTIALS_OLD_KEYS: '',
  MAILCHIMP_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
  MAILCHIMP_CREDENTIALS_OLD_KEYS: '',
  SMTP_URL: 'smtps://u:p@smtp.example.com:465',
  INVITATION_TOKEN_SECRET: randomBytes(36).toString('base64'),
};

describe('Kubernetes manifests (infra/k8s)', () => {
  it('every file parses; kustomization lists them, and a secret example for every generated Secret', () => {
    const kustomization = docs('kustomization.yaml')[0] as unknown as {
      resources: string[];
      secretGenerator: Array<{ name: string; envs: string[] }>;
      images: Array<{ name: string }>;
    };
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect(kustomization.resources.sort()).toEqual(files.sort());
    for (const g of kustomization.secretGenerator) {
      expect(existsSync(join(dir, `${g.envs[0]}.example`))).toBe(true);
    }
    expect(kustomization.images.map((i) => i.name).sort()).toEqual(
      Object.keys(services)
        .map((s) => `crp/${s}`)
        .sort(),
    );
    for (const d of all) expect(d.apiVersion && d.kind && d.metadata.name).toBeTruthy();
  });

  it.each(Object.entries(services))(
    '%s: Deployment (probes on /readyz and /healthz, non-root, sized from RSS), Service, PDB, migration Job',
    (name, s) => {
      const deployment = find('Deployment', name);
      const pod = podOf(deployment);
      const c = pod.containers[0]!;
      expect(c.image).toBe(`crp/${name}`);
      expect(c.ports).toEqual([{ name: 'http', containerPort: s.port }]);
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      // Requests cover the measured RSS; the limit leaves room above it; the heap fits the limit.
      const requested = mib(c.resources.requests.memory);
      const limit = mib(c.resources.limits.memory);
      expect(requested).toBeGreaterThanOrEqual(s.rssMb);
      expect(limit).toBeGreaterThanOrEqual(requested * 1.3);
      const config = find('ConfigMap', `${name}-config`).data!;
      const heap = Number(/--max-old-space-size=(\d+)/.exec(config.NODE_OPTIONS ?? '')?.[1]);
      expect(heap).toBeLessThan(limit * 0.8);
      expect(config.PORT).toBe(String(s.port));
      expect(config.DB_MIGRATE_ON_START).toBe('false');
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(
        Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_TIMEOUT_MS),
      );
      expect(c.envFrom).toEqual([
        { configMapRef: { name: 'crp-common' } },
        { configMapRef: { name: `${name}-config` } },
        { secretRef: { name: `${name}-secrets` } },
      ]);

      const selector = { 'app.kubernetes.io/name': name };
      const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      expect(labels).toMatchObject(selector);
      expect(find('Service', name).spec).toMatchObject({
        selector,
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      });
      const replicas = (deployment.spec as { replicas: number }).replicas;
      expect(replicas).toBeGreaterThanOrEqual(2);
      expect(find('PodDisruptionBudget', name).spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: selector },
      });

      const job = podOf(find('Job', `${name}-migrate`)).containers[0]!;
      expect(job.command).toEqual(['node', `services/${name}/dist/migrate.js`]);
      expect(job.image).toBe(`crp/${name}`);
      expect(job.envFrom).toEqual(c.envFrom);
    },
  );

  it.each(Object.entries(services))(
    '%s: the environment the manifests give it is documented and accepted by its config',
    (name, s) => {
      const secrets = envFile(join(dir, 'secrets', `${name}.env.example`));
      const env: Record<string, string> = {
        ...find('ConfigMap', 'crp-common').data,
        ...find('ConfigMap', `${name}-config`).data,
      };
      for (const key of [...Object.keys(env), ...Object.keys(secrets)]) {
        if (key === 'NODE_OPTIONS') continue; // Node's own
        expect({ key, documented: documented.has(key) }).toEqual({ key, documented: true });
      }
      for (const key of Object.keys(secrets)) {
        expect(secretValues[key]).toBeDefined();
        env[key] = secretValues[key]!;
      }
      const config = s.loadConfig(env) as { NODE_ENV: string; PORT: number; DB_MIGRATE_ON_START: boolean };
      expect(config.NODE_ENV).toBe('production');
      expect(config.PORT).toBe(s.port);
      expect(config.DB_MIGRATE_ON_START).toBe(false);
    },
  );

  it('the topics Job applies the plan of packages/messaging with three replicas', () => {
    const c = podOf(find('Job', 'kafka-topics')).containers[0]!;
    expect(c.command).toEqual([
      'node',
      'packages/messaging/dist/cli/topics.js',
      'apply',
      '--replication',
      '3',
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'crp-common' } }]);
    // Every topic of the contracts is in the plan, each with its dead-letter topic.
    expect(topicPlan().some((t) => t.topic === 'OrderImported.DLT')).toBe(true);
  });
});
