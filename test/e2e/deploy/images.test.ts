import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

// One image per service (issue 20, "Deployment, one service at a time"). No Docker engine here, so
// the Dockerfiles are checked for what they must say, `turbo prune` is run for each service, and
// one service goes through every step of its Dockerfile without Docker (infra/docker/check-image.mjs)
// and is started from the result: production dependencies only, as uid 1000.

jest.setTimeout(30 * 60_000);

const root = resolve(__dirname, '..', '..', '..');
const services = readdirSync(join(root, 'services')).filter((s) =>
  existsSync(join(root, 'services', s, 'package.json')),
);
const ports: Record<string, number> = {
  'order-ingest-service': 3001,
  'customer-service': 3002,
  'csv-import-service': 3003,
  'tpl-connection-service': 3004,
};
const dockerfile = (s: string) => readFileSync(join(root, 'services', s, 'Dockerfile'), 'utf8');
const pkg = (dir: string) =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };

describe('service images', () => {
  it('every service has a Dockerfile; the four differ only in the service name and port', () => {
    expect(services.sort()).toEqual(Object.keys(ports).sort());
    const normalized = services.map((s) =>
      dockerfile(s).replaceAll(s, '<service>').replaceAll(String(ports[s]), '<port>'),
    );
    for (const n of normalized) expect(n).toBe(normalized[0]);
  });

  it.each(Object.keys(ports))(
    '%s: Node 24 base, multi-stage, lockfile-checked install, non-root, HEALTHCHECK, exec-form CMD',
    (s) => {
      const text = dockerfile(s);
      expect(text).toMatch(/^ARG NODE_IMAGE=node:24(\.\d+){0,2}-[a-z-]+$/m);
      expect(text.match(/^FROM /gm)).toHaveLength(3);
      expect(text).toContain(`turbo@2.11.11 prune @crp/${s} --docker`);
      expect(text).toContain('node /tools/lockfile-check.mjs');
      expect(text).not.toMatch(/(RUN|&&) npm ci\b/);
      expect(text).toContain('npm prune --omit=dev');
      const runtime = text.slice(text.lastIndexOf('\nFROM '));
      expect(runtime).toMatch(/^USER node$/m);
      expect(runtime).toMatch(/^HEALTHCHECK .*\n\s+CMD \[.*\/healthz/m);
      expect(runtime).toContain(`CMD ["node", "services/${s}/dist/main.js"]`);
      expect(runtime).toContain(`EXPOSE ${ports[s]}`);
      expect(runtime).not.toMatch(/apt-get|g\+\+/);
    },
  );

  it('infra/docker-compose.yml builds each service from its own Dockerfile, after the topics exist', () => {
    const compose = load(readFileSync(join(root, 'infra/docker-compose.yml'), 'utf8')) as {
      services: Record<
        string,
        {
          build?: { context: string; dockerfile: string };
          ports?: string[];
          environment?: Record<string, unknown>;
          depends_on?: Record<string, { condition: string }>;
        }
      >;
    };
    for (const s of Object.keys(ports)) {
      const svc = compose.services[s]!;
      expect(svc.build).toEqual({ context: '..', dockerfile: `services/${s}/Dockerfile` });
      expect(svc.ports).toEqual([`${ports[s]}:${ports[s]}`]);
      expect(svc.environment?.PORT).toBe(ports[s]);
      expect(svc.depends_on?.['kafka-topics']?.condition).toBe('service_completed_successfully');
    }
    expect(compose.services['kafka-topics']).toBeDefined();
  });

  it.each(Object.keys(ports))('%s: turbo prune keeps exactly the workspaces the service reaches', (s) => {
    const out = mkdtempSync(join(tmpdir(), `prune-${s}-`));
    try {
      const r = spawnSync(
        join(root, 'node_modules/.bin/turbo'),
        ['prune', `@crp/${s}`, '--docker', `--out-dir=${out}`],
        { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
      );
      expect(r.status).toBe(0);
      const kept = ['packages', 'services'].flatMap((d) =>
        existsSync(join(out, 'json', d)) ? readdirSync(join(out, 'json', d)).map((n) => `${d}/${n}`) : [],
      );
      // The closure over dependencies and devDependencies (the build needs both; the runtime
      // stage keeps only the production ones, see the check below).
      const byName = new Map(
        ['packages', 'services'].flatMap((d) =>
          readdirSync(join(root, d))
            .filter((n) => existsSync(join(root, d, n, 'package.json')))
            .map((n) => [pkg(`${d}/${n}`).name, `${d}/${n}`] as const),
        ),
      );
      const reach = new Set<string>();
      const visit = (dir: string) => {
        if (reach.has(dir)) return;
        reach.add(dir);
        const p = pkg(dir);
        for (const dep of Object.keys({ ...p.dependencies, ...p.devDependencies })) {
          const ws = byName.get(dep);
          if (ws) visit(ws);
        }
      };
      visit(`services/${s}`);
      expect(kept.sort()).toEqual([...reach].sort());
      expect(kept.filter((k) => k.startsWith('services/'))).toEqual([`services/${s}`]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('customer-service through every Dockerfile step without Docker: production dependencies only, starts as uid 1000, ready, exits 0 on SIGTERM', () => {
    const r = spawnSync(process.execPath, [join(root, 'infra/docker/check-image.mjs'), 'customer-service'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '{}';
    const figures = JSON.parse(line) as { problems: string[]; ready?: { status: string }; runtimeMB: number };
    expect(figures.problems).toEqual([]);
    expect(r.status).toBe(0);
    expect(figures.ready?.status).toBe('ready');
    expect(figures.runtimeMB).toBeLessThan(120);
  });
});
