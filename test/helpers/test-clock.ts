import type { Clock } from '../../src/infra/clock.js';

/** A clock that starts at the real time and moves only when a test says so. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
