import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per service instance (not prom-client's global one): the all-in-one `npm start`
 * runs four services in one process and each keeps its own /metrics.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  histogram(name: string, help: string, labelNames?: string[], buckets?: number[]): Histogram<string>;
  /** A value read when /metrics is scraped (a backlog, an age); NaN when it cannot be read. */
  gauge(name: string, help: string, read: () => Promise<number> | number): void;
}

export function createMetrics(service: string, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const cache = new Map<string, Counter<string> | Histogram<string> | Gauge<string>>();
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    counter(name, help, labelNames = []) {
      let c = cache.get(name) as Counter<string> | undefined;
      if (!c) {
        c = new Counter({ name, help, labelNames, registers: [registry] });
        cache.set(name, c);
      }
      return c;
    },
    histogram(name, help, labelNames = [], buckets) {
      let h = cache.get(name) as Histogram<string> | undefined;
      if (!h) {
        h = new Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
        cache.set(name, h);
      }
      return h;
    },
    gauge(name, help, read) {
      if (cache.has(name)) return;
      const g: Gauge<string> = new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          try {
            g.set(await read());
          } catch {
            g.set(Number.NaN);
          }
        },
      });
      cache.set(name, g);
    },
  };
}
