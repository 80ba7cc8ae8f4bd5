import { readdirSync, readFileSync } from 'node:fs';
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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null when gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** Bytes a process has written so far through write(2) and friends (sockets included), from /proc/<pid>/io; null when gone. */
export function writtenBytes(pid) {
  try {
    const m = /^wchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The pid of the first process whose command line contains `needle` (MariaDB, the Kafka broker). */
export function findPid(needle) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return null;
}

/**
 * CPU seconds each named process used between start() and stop(): where a run's time went. On a
 * shared machine MariaDB's figure includes other clients' queries.
 */
export function cpuMeter(pids) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t0 = performance.now();
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000;
      const out = { wall_s: Number(wall.toFixed(1)) };
      for (const [k, pid] of Object.entries(pids)) {
        const now = cpuSeconds(pid);
        if (now !== null && start[k] !== null) out[`${k}_cpu_s`] = Number((now - start[k]).toFixed(1));
      }
      return out;
    },
  };
}
