/**
 * Baseline C: how many bcrypt.compare calls per second this machine does at a cost, with
 * `inFlight` compares kept running in libuv's thread pool (as the gateway runs them). Prints one
 * JSON line: { compares, seconds, perSecond, cpuMicrosPerCompare }.
 *
 * usage: node bcrypt-ceiling.js <cost> <seconds> <inFlight>
 */
import bcrypt from 'bcrypt';

const [cost = 10, seconds = 5, inFlight = 4] = process.argv.slice(2).map(Number);
const PASSWORD = 'correct horse battery staple';
const hash = await bcrypt.hash(PASSWORD, cost);
await bcrypt.compare(PASSWORD, hash); // warm the pool

let compares = 0;
const cpuBefore = process.cpuUsage();
const start = performance.now();
const end = start + seconds * 1000;
async function worker(): Promise<void> {
  while (performance.now() < end) {
    if (!(await bcrypt.compare(PASSWORD, hash))) throw new Error('bcrypt.compare said no');
    compares += 1;
  }
}
await Promise.all(Array.from({ length: inFlight }, worker));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ compares, seconds: elapsed, perSecond: compares / elapsed, cpuMicrosPerCompare: (cpu.user + cpu.system) / compares })}\n`,
);
