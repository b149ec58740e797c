/**
 * Deadlines for every PostgreSQL connection we open (the ORM's pool, the rate-limit pool): a
 * down or frozen server is noticed well inside the 2 s within which a request must answer.
 */
export const POSTGRES_DEADLINES = { connectionTimeoutMillis: 1_000, query_timeout: 1_500 } as const;
