// Output: a short table for people, and with --json one JSON object per line, the last line
// summing up the run.
export const fmt = (n, d = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '—'
    : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export function pct(values, p) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function reporter(json) {
  return {
    line(obj) {
      if (json) process.stdout.write(`${JSON.stringify(obj)}\n`);
    },
    table(title, rows) {
      const out = json ? process.stderr : process.stdout;
      out.write(`\n${title}\n`);
      const w = Math.max(...rows.map(([k]) => k.length));
      for (const [k, v] of rows) out.write(`  ${k.padEnd(w)}  ${v}\n`);
    },
    note(text) {
      (json ? process.stderr : process.stdout).write(`${text}\n`);
    },
  };
}
