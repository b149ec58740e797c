const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `900`, `900s`, `15m`, `2h`, `14d` (bare numbers are seconds) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`expected a duration such as 900, 900s, 15m or 14d, got "${text}"`);
  const unit = (match[2] || 's') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}
