import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (tests run several gateways per process). */
export interface Metrics {
  readonly registry: Registry;
  /** Seconds per GraphQL request, by the root field it asked for (bounded by the schema, unlike operation names). */
  readonly requestSeconds: Histogram<'field'>;
  /** Outcome per root field: `ok` or the error code (INVALID_CREDENTIALS, REFRESH_TOKEN_REUSED, RATE_LIMITED, …). */
  readonly outcomes: Counter<'field' | 'outcome'>;
  /** Auth events (sign_in, sign_in_failed, oauth_login, refresh_reuse_detected, …), OAuth ones by provider. */
  readonly authEvents: Counter<'event' | 'provider'>;
  /** Requests answered SERVICE_UNAVAILABLE, by the store that did not answer. */
  readonly storeErrors: Counter<'store'>;
  readonly mailSent: Counter<'purpose'>;
  /** Failed send attempts; `permanent`: the server refused the mail for good. */
  readonly mailFailed: Counter<'purpose' | 'permanent'>;
  /** Reports the outbox's queue at each scrape. */
  watchMailQueue(read: () => Promise<{ queued: number; oldestQueuedSeconds: number }>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestSeconds: new Histogram({
      name: 'auth_graphql_request_duration_seconds',
      help: 'GraphQL request latency by root field',
      labelNames: ['field'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'auth_operation_outcomes_total',
      help: 'Outcomes of GraphQL root fields: ok, or the error code (sign-in failures, refresh reuse, rate limits, store outages, …)',
      labelNames: ['field', 'outcome'],
      registers: [registry],
    }),
    authEvents: new Counter({
      name: 'auth_events_total',
      help: 'Auth events as written to the audit trail; provider is set for OAuth ones',
      labelNames: ['event', 'provider'],
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'auth_store_errors_total',
      help: 'Operations answered SERVICE_UNAVAILABLE, by the store that did not answer in time',
      labelNames: ['store'],
      registers: [registry],
    }),
    mailSent: new Counter({ name: 'auth_mail_sent_total', help: 'Mails delivered, by purpose', labelNames: ['purpose'], registers: [registry] }),
    mailFailed: new Counter({
      name: 'auth_mail_failed_total',
      help: 'Failed mail delivery attempts, by purpose; permanent="true" when the SMTP server refused the mail for good',
      labelNames: ['purpose', 'permanent'],
      registers: [registry],
    }),
    watchMailQueue(read) {
      // Read once per scrape, for both gauges; a database that cannot answer leaves the last values.
      let reading: Promise<void> | null = null;
      const refresh = () =>
        (reading ??= read()
          .then((stats) => {
            queued.set(stats.queued);
            oldest.set(stats.oldestQueuedSeconds);
          }, () => undefined)
          .finally(() => {
            reading = null;
          }));
      const queued = new Gauge({ name: 'auth_mail_queued', help: 'Mails in the outbox waiting to be sent', registers: [registry], collect: refresh });
      const oldest = new Gauge({ name: 'auth_mail_oldest_queued_seconds', help: 'Age of the oldest mail waiting in the outbox; 0 when none waits', registers: [registry], collect: refresh });
    },
  };
}
