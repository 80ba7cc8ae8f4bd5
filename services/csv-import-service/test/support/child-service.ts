import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { waitFor } from '@crp/testing/wait';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/**
 * csv-import-service as a real process (its built dist/main.js), so a test can kill it with
 * SIGKILL at any point and start it again on the same database and upload directory.
 */
export class ChildService {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const main = resolve(__dirname, '..', '..', 'dist', 'main.js');
    this.child = spawn(process.execPath, [main], {
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    await waitFor(
      async () => {
        if (this.child?.exitCode !== null) throw new Error(`exited: ${this.output}`);
        const res = await fetch(`${this.url}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: 60000, intervalMs: 100, what: `csv-import-service on port ${this.port}` },
    );
  }

  /** kill -9: no shutdown, no lease given back, nothing flushed. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  get log(): string {
    return this.output;
  }
}
