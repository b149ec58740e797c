import type { Clock } from '../../src/infra/clock.js';

/**
 * A clock that stands still at its start (the real time at construction, unless given) and moves
 * only when a test calls `advance`: a test sees exactly the time it set, never the time it took.
 */
export class TestClock implements Clock {
  private current: number;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
