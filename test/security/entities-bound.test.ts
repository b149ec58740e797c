import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import pg from 'pg';
import { signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review item 4: `_entities` fans out without bound. Representations arrive as variables, out of
 * sight of the token and cost limits: their number is capped, and their users load in one query.
 */

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id nickname } } }';

let app: TestApp;
let userQueries: string[];
let spy: ReturnType<typeof jest.spyOn>;

beforeAll(async () => {
  app = await createTestApp({ MAX_ENTITY_REPRESENTATIONS: '100' });
});
afterAll(() => app?.close());

beforeEach(() => {
  userQueries = [];
  // Every statement the gateway's pools send, as PostgreSQL receives them; only reads of users count here.
  const original = Object.getOwnPropertyDescriptor(pg.Client.prototype, 'query')!.value as (...a: unknown[]) => unknown;
  spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text && /from "users"/i.test(text)) userQueries.push(text);
    return original.apply(this, args);
  });
});
afterEach(() => spy.mockRestore());

it('5,000 representations → a request error naming representations, without one database query', async () => {
  const representations = Array.from({ length: 5_000 }, () => ({ __typename: 'User', id: randomUUID() }));
  const response = await app.gql(ENTITIES, { r: representations });
  expect(response.data ?? null).toBeNull();
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(response.errors![0]!.extensions).toMatchObject({ field: 'representations' });
  expect(userQueries).toHaveLength(0);
});

it('100 representations (known, unknown, and repeated users) → resolved with one database query', async () => {
  const users = await Promise.all(Array.from({ length: 5 }, () => signUp(app, uniqueEmail())));
  const ids = [...users.map((pair) => pair.user.id), ...Array.from({ length: 45 }, () => randomUUID())];
  const representations = [...ids, ...ids].map((id) => ({ __typename: 'User', id }));
  userQueries = [];
  const response = await app.gql<{ _entities: Array<{ id: string } | null> }>(ENTITIES, { r: representations });
  expect(response.errors).toBeUndefined();
  expect(response.data!._entities).toHaveLength(100);
  expect(response.data!._entities.slice(0, 5).map((entity) => entity!.id)).toEqual(users.map((pair) => pair.user.id));
  expect(response.data!._entities.slice(5, 50)).toEqual(Array(45).fill(null));
  expect(userQueries).toHaveLength(1);

  // Misses are remembered as well as hits: asking again reads nothing.
  userQueries = [];
  expect((await app.gql(ENTITIES, { r: representations })).errors).toBeUndefined();
  expect(userQueries).toHaveLength(0);
});
