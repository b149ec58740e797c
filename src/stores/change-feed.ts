import type { Logger } from '../infra/logger.js';

/**
 * What the stores announce when something a gateway keeps in memory changes (sessions ended,
 * users deleted or changed, signing keys rotated), so every instance forgets it at once instead
 * of asking the store on every request.
 */
export interface ChangeListener {
  /**
   * These sessions were logged out, revoked, evicted or removed as ended. (A Redis session whose
   * stored data simply timed out is not announced: its own times already said it was over.)
   */
  sessionsEnded(sessionIds: string[]): void;
  /** The user was deleted; their sessions go with them. */
  userDeleted(userId: string): void;
  /** What the user's profile shows changed (their row, or their linked provider accounts). */
  userChanged(userId: string): void;
  /** The signing keys changed (a rotation): read them again. */
  keysChanged(): void;
  /** Subscribed: every announcement from now on arrives. */
  listening(): void;
  /** No longer subscribed: announcements may be missed until `listening` is called again. A listener starts out deaf. */
  deaf(): void;
}

export interface ChangeFeed {
  /** Starts listening (in the background, reconnecting by itself) and reports to `listener`. */
  start(listener: ChangeListener): void;
  close(): Promise<void>;
}

/** One listener made of several: each announcement reaches every part that handles it. */
export function combinedListener(...parts: Partial<ChangeListener>[]): ChangeListener {
  const each =
    <K extends keyof ChangeListener>(method: K) =>
    (...args: Parameters<ChangeListener[K]>) => {
      for (const part of parts) (part[method] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    sessionsEnded: each('sessionsEnded'),
    userDeleted: each('userDeleted'),
    userChanged: each('userChanged'),
    keysChanged: each('keysChanged'),
    listening: each('listening'),
    deaf: each('deaf'),
  };
}

/** Announcements are one line of text: `s <session id> …`, `u <user id>`, `c <user id>` or `k`. */
export function sessionsEndedMessage(sessionIds: readonly string[]): string {
  return `s ${sessionIds.join(' ')}`;
}

export function deliverChange(message: string, listener: ChangeListener): void {
  const [kind, ...ids] = message.split(' ').filter((part) => part !== '');
  if (kind === 's' && ids.length > 0) listener.sessionsEnded(ids);
  else if (kind === 'u' && ids.length === 1) listener.userDeleted(ids[0]!);
  else if (kind === 'c' && ids.length === 1) listener.userChanged(ids[0]!);
  else if (kind === 'k') listener.keysChanged();
}

/** How often a listening connection proves it is still alive; a dead one is replaced. */
const HEARTBEAT_MS = 1_000;

const reconnectDelay = (failures: number) => Math.min(100 * 2 ** failures, 2_000);

/**
 * Keeps one listening connection alive: it subscribes, proves itself every second, and is
 * replaced (after a growing pause) when it breaks or stops answering. The listener hears
 * `listening` once subscribed and `deaf` once when that ends (it starts out deaf).
 */
export abstract class ListeningConnection<C> implements ChangeFeed {
  private current: C | null = null;
  private subscribed = false;
  /** Whether it has listened since it last went deaf, so the log and the listener hear each change once. */
  private everListened = false;
  private listener: ChangeListener | null = null;
  private failures = 0;
  private attempts = 0;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;

  /** `name` says in the log which feed changed state. */
  constructor(private readonly name: string, private readonly logger: Logger) {}

  /** A new, not yet connected connection that passes every message it receives to `deliver`. */
  protected abstract create(attempt: number, deliver: (message: string) => void): C;
  /** Connects and subscribes. */
  protected abstract subscribe(connection: C): Promise<void>;
  /** Rejects when the connection no longer answers. */
  protected abstract probe(connection: C): Promise<unknown>;
  protected abstract dispose(connection: C): Promise<void>;

  start(listener: ChangeListener): void {
    this.listener = listener;
    this.open();
    this.heartbeat = setInterval(() => {
      const connection = this.current;
      if (connection !== null && this.subscribed) this.probe(connection).catch(() => this.lost(connection));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    const connection = this.current;
    this.current = null;
    if (connection !== null) await this.dispose(connection).catch(() => undefined);
  }

  /** Called by subclasses, and by the heartbeat, when a connection has broken. Acts once per connection. */
  protected lost(connection: C): void {
    if (this.current !== connection || this.closed) return;
    this.current = null;
    this.subscribed = false;
    this.dispose(connection).catch(() => undefined);
    // Told once per loss: a listener starts out deaf, and failed reconnects change nothing.
    if (this.everListened) {
      this.logger.warn(`change feed (${this.name}) lost: sessions are checked in the store on every request until it is back`);
      this.listener!.deaf();
    }
    this.everListened = false;
    this.retry = setTimeout(() => this.open(), reconnectDelay(this.failures++));
    this.retry.unref();
  }

  private open(): void {
    const listener = this.listener!;
    const connection = this.create(this.attempts++, (message) => deliverChange(message, listener));
    this.current = connection;
    this.subscribe(connection).then(
      () => {
        if (this.current !== connection) return;
        if (this.failures > 0) this.logger.info(`change feed (${this.name}) listening again`);
        this.failures = 0;
        this.subscribed = true;
        this.everListened = true;
        listener.listening();
      },
      () => this.lost(connection),
    );
  }
}
