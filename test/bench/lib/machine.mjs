import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the figures were measured on: printed with every run. */
export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`;
}

/** Resident set size of a process in MB (Linux /proc), or null when it is gone. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of named processes every `everyMs` and keeps the maximum of each. */
export function rssSampler(pids, everyMs = 250) {
  const max = {};
  const timer = setInterval(() => {
    for (const [name, pid] of Object.entries(pids())) {
      const mb = rssMb(pid);
      if (mb !== null) max[name] = Math.max(max[name] ?? 0, mb);
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Object.fromEntries(Object.entries(max).map(([k, v]) => [k, Math.round(v)]));
    },
  };
}
