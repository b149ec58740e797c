import type { Readiness } from './server.js';

const CHECK_TIMEOUT_MS = 1_500;

/** Runs every check at once; a check that fails or takes longer than 1.5 s names its service as down. */
export async function checkReadiness(checks: Record<string, () => Promise<unknown>>): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => ((await withinTimeout(check)) ? null : name)),
  );
  return { down: results.filter((name): name is string => name !== null) };
}

async function withinTimeout(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
