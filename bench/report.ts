/** Result lines, medians over rounds, and the markdown table for docs/performance.md. */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Measurement } from './scenarios.js';

export interface Result {
  round: number;
  scenario: string;
  /** "redis", "postgres", or "—" for baselines. */
  store: string;
  m: Measurement;
}

/** Which result a scenario is compared with: same round for the result lines, medians in the table. */
export interface BaselineRef {
  scenario: string;
  store: string;
  /** How the ratio reads: "bare Apollo", "bcrypt ceiling", … */
  label: string;
}

export class Report {
  private readonly results: Result[] = [];
  private readonly rss = new Map<string, number[]>();
  private readonly peakRss = new Map<string, number>();

  constructor(private readonly baselineOf: (scenario: string, store: string) => BaselineRef | undefined) {}

  add(result: Result): void {
    this.results.push(result);
    const { m } = result;
    const base = this.baselineOf(result.scenario, result.store);
    const baseline = base && this.results.find((r) => r.round === result.round && r.scenario === base.scenario && r.store === base.store);
    const ratio = base && baseline ? `  ${(m.reqPerSec / baseline.m.reqPerSec).toFixed(2)}× ${base.label}` : '';
    console.log(
      `  round ${result.round}  ${result.scenario.padEnd(22)} ${result.store.padEnd(9)} ${fmt(m.reqPerSec, 0).padStart(7)} req/s` +
        `  p50 ${fmt(m.p50, 1)} ms  p99 ${fmt(m.p99, 1)} ms  server ${fmt(m.cpuMicrosPerRequest, 0)} µs/req` +
        `  stores ${fmt(m.storeCpuMicrosPerRequest, 0)} µs/req  errors ${m.errors}  (${m.ok} ok in ${fmt(m.seconds, 1)} s)${ratio}`,
    );
  }

  /** A reading for the table (after the warm-up and after each round). */
  addRss(gateway: string, bytes: number): void {
    this.rss.set(gateway, [...(this.rss.get(gateway) ?? []), bytes]);
    this.notePeakRss(gateway, bytes);
  }

  /** A reading taken right after a scenario ran. */
  notePeakRss(gateway: string, bytes: number): void {
    this.peakRss.set(gateway, Math.max(bytes, this.peakRss.get(gateway) ?? 0));
  }

  /** Medians over rounds, in first-seen order. */
  medians(): Array<{ scenario: string; store: string; m: Measurement; errors: number }> {
    const groups = new Map<string, Result[]>();
    for (const r of this.results) groups.set(`${r.scenario}\u0000${r.store}`, [...(groups.get(`${r.scenario}\u0000${r.store}`) ?? []), r]);
    return [...groups.values()].map((rs) => ({
      scenario: rs[0]!.scenario,
      store: rs[0]!.store,
      errors: rs.reduce((sum, r) => sum + r.m.errors, 0),
      m: {
        reqPerSec: median(rs.map((r) => r.m.reqPerSec)),
        p50: median(rs.map((r) => r.m.p50)),
        p99: median(rs.map((r) => r.m.p99)),
        cpuMicrosPerRequest: median(rs.map((r) => r.m.cpuMicrosPerRequest)),
        storeCpuMicrosPerRequest: median(rs.map((r) => r.m.storeCpuMicrosPerRequest)),
        errors: median(rs.map((r) => r.m.errors)),
        ok: median(rs.map((r) => r.m.ok)),
        seconds: median(rs.map((r) => r.m.seconds)),
      },
    }));
  }

  /** The ratio of a median to its baseline's median, or undefined. */
  ratio(scenario: string, store: string): { value: number; label: string } | undefined {
    const rows = this.medians();
    const base = this.baselineOf(scenario, store);
    const row = rows.find((r) => r.scenario === scenario && r.store === store);
    const baseRow = base && rows.find((r) => r.scenario === base.scenario && r.store === base.store);
    return row && base && baseRow ? { value: row.m.reqPerSec / baseRow.m.reqPerSec, label: base.label } : undefined;
  }

  markdown(settings: string): string {
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on nproc ${nproc()}, ${cpuModel()}, Node ${process.version}; ${settings}.`,
      '',
      '| scenario | store | req/s | p50 | p99 | CPU µs/req | errors | ratio |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ];
    for (const { scenario, store, m, errors } of this.medians()) {
      const ratio = this.ratio(scenario, store);
      lines.push(
        `| ${scenario} | ${store} | ${fmt(m.reqPerSec, 0)} | ${fmt(m.p50, 1)} ms | ${fmt(m.p99, 1)} ms | ${fmt(m.cpuMicrosPerRequest, 0)} | ${errors} | ${ratio ? `${ratio.value.toFixed(2)}× ${ratio.label}` : '—'} |`,
      );
    }
    return lines.join('\n');
  }

  /** The highest reading of each gateway, after any scenario. */
  maxRss(): Array<[string, number]> {
    return [...this.peakRss];
  }

  rssTable(): string {
    // The first reading is taken after the warm-up, before round 1.
    const columns = Math.max(0, ...[...this.rss.values()].map((v) => v.length));
    const lines = [
      `| gateway RSS (its largest process) | after warm-up | ${Array.from({ length: columns - 1 }, (_, i) => `after round ${i + 1}`).join(' | ')} |`,
      `| --- | ${Array.from({ length: columns }, () => '---:').join(' | ')} |`,
    ];
    for (const [gateway, values] of this.rss) lines.push(`| ${gateway} | ${values.map((b) => `${fmt(b / 2 ** 20, 0)} MiB`).join(' | ')} |`);
    return lines.join('\n');
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return availableParallelism();
  }
}

export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}
