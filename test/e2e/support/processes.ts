import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

export interface ServiceProcess {
  pid: number;
  url: string;
  /** kill -9: no shutdown, no drain, open transactions die with the connections. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** The exit code once exited (null while running or when killed by a signal). */
  exitCode(): number | null;
}

/**
 * Runs a service of this repository as its own process (its built dist/main.js), as a deployment
 * would, so that a test can kill it with SIGKILL. Resolves once /readyz answers 200.
 */
export async function startServiceProcess(
  name: string,
  env: Record<string, string | undefined>,
): Promise<ServiceProcess> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child: ChildProcess = spawn(process.execPath, [resolve(root, 'services', name, 'dist', 'main.js')], {
    stdio: ['ignore', process.env.FAULTS_VERBOSE === '1' ? 'inherit' : 'ignore', 'inherit'],
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`${name} exited during start (${child.exitCode})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    url,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    exitCode: () => child.exitCode,
  };
}
