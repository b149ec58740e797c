/**
 * The functions a .cpuprofile (node --cpu-prof) spent the most self time in: sums the sampled
 * time of every node per call frame (function, file, line) and prints the top N.
 *
 * usage: node dist/bench/profile-summary.js <file.cpuprofile> [N]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frameOf = new Map<number, string>();
  for (const { id, callFrame: f } of profile.nodes) {
    const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
    frameOf.set(id, `${f.functionName || '(anonymous)'} ${where}`.trim());
  }
  const packageOf = new Map(profile.nodes.map(({ id, callFrame: f }) => [id, packageName(f.url, f.functionName)]));
  const selfMicros = new Map<string, number>();
  const packageMicros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, i) => {
    // timeDeltas[i] is the time since the previous sample: the time this sample stands for.
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = frameOf.get(nodeId) ?? '?';
    selfMicros.set(frame, (selfMicros.get(frame) ?? 0) + delta);
    const pkg = packageOf.get(nodeId) ?? '?';
    packageMicros.set(pkg, (packageMicros.get(pkg) ?? 0) + delta);
    total += delta;
  });
  const line = ([name, micros]: [string, number]) => `${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`;
  return [
    `top ${top} self time of ${(total / 1000).toFixed(0)} ms sampled (${file})`,
    ...[...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, top).map(line),
    '',
    'self time by package',
    ...[...packageMicros].sort((a, b) => b[1] - a[1]).slice(0, top).map(line),
  ].join('\n');
}

/** "@mikro-orm/core", "graphql", "node:internal", "dist/src/…" or a V8 pseudo-frame like "(garbage collector)". */
function packageName(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('node_modules/')));
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const project = /\/dist\/((?:src|bench)\/[^/]+)/.exec(url);
  return project ? `dist/${project[1]}` : url;
}

/** node_modules/<pkg>/… or the project-relative path, instead of a long file URL. */
function shorten(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  return url.replace(/^file:\/\/.*?\/dist\//, 'dist/');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [N]\n');
    process.exit(2);
  }
  console.log(summarizeProfile(file, Number(top ?? 15)));
}
