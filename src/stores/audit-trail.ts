import { AuditEvent } from '../db/entities/index.js';
import type { Logger } from '../infra/logger.js';
import type { MikroORM } from '../db/database.js';

export interface AuditRecord {
  at: Date;
  type: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, string | number | boolean> | null;
}

/** How often appended events are written, and at most how many per statement. */
const FLUSH_MS = 200;
const BATCH = 500;
/** Events kept while the database cannot take them; beyond this the oldest are dropped (and counted in the log). */
const MAX_PENDING = 50_000;
/** At shutdown, how long the last write may take. */
const CLOSE_MS = 3_000;

/**
 * The audit trail in PostgreSQL. Events are appended in memory and written in batches a few times
 * a second, off the request path: a sign-in neither waits for nor fails with its audit row. While
 * the database is away they wait (bounded) and are written when it returns; `close` writes the rest.
 */
export class AuditTrail {
  private pending: AuditRecord[] = [];
  private writing: Promise<void> | null = null;
  private failing = false;
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly orm: MikroORM, private readonly logger: Logger) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  append(record: AuditRecord): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped += 1;
    }
    this.pending.push(record);
  }

  /** Writes everything appended so far (waiting for a write already under way). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.length === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  /** Deletes the events older than `before`; returns how many went. */
  prune(before: Date): Promise<number> {
    return this.orm.em.fork().nativeDelete(AuditEvent, { at: { $lt: before } });
  }

  /** A user's most recent events, newest first. */
  async recentForUser(userId: string, limit: number): Promise<AuditRecord[]> {
    const rows = await this.orm.em.fork().find(AuditEvent, { userId }, { orderBy: { at: 'desc', id: 'desc' }, limit });
    return rows.map(({ at, type, sessionId, ip, userAgent, detail }) => ({ at, type, userId, sessionId, ip, userAgent, detail }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_MS).unref());
    await Promise.race([this.flush(), deadline]);
    if (this.pending.length > 0) this.logger.warn(`audit trail: ${this.pending.length} events could not be written before shutdown`);
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH);
      try {
        await this.orm.em.fork().insertMany(AuditEvent, batch);
      } catch (error) {
        if (!this.failing) this.logger.warn({ err: error }, 'audit trail: events are kept in memory until the database takes them again');
        this.failing = true;
        return;
      }
      this.pending.splice(0, batch.length);
      if (this.failing) this.logger.info('audit trail: writing again');
      this.failing = false;
      if (this.dropped > 0) {
        this.logger.warn(`audit trail: ${this.dropped} events were dropped while the database was away`);
        this.dropped = 0;
      }
    }
  }
}
