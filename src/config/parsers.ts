import { parseDuration } from './duration.js';

/** Reads one variable: `fallback` when it is unset or blank, else `parse` of it (loadConfig collects what `parse` throws). */
export type Reader = <T>(name: string, fallback: T, parse: (raw: string) => T) => T;

// Parsers of single settings, shared by every part of the configuration. Their messages never
// quote a value that could be a secret (a URL with a password, say).

export function integer(raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new Error(`expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new Error(`expected a number from ${min} to ${max}, got ${value}`);
  return value;
}

export function positiveDuration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms <= 0) throw new Error('must be longer than zero');
  return ms;
}

export function boolean(raw: string): boolean {
  const value = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
}

export function url(raw: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error('expected a URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new Error(`expected a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`);
  return raw;
}
