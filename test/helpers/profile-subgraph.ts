import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/** A logger that says nothing: tests fail on any console output. */
export const SILENT_LOGGER = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A second, tiny federation subgraph that extends our `User` with a bio. `lastSeenBy` echoes the
 * Authorization header this subgraph received, so a test can see what a router forwarded. With
 * `mfaField`, `paymentNote` is for sessions that passed a second factor only: a router demands
 * the `mfa` scope our access tokens carry after one.
 */
const profileSdl = (mfaField: boolean) => `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"${mfaField ? ', "@requiresScopes"' : ''}])

  type User @key(fields: "id") {
    id: ID!
    bio: String!
    lastSeenBy: String
    ${mfaField ? 'paymentNote: String! @requiresScopes(scopes: [["mfa"]])' : ''}
  }
`;

interface ProfileContext {
  authorization: string | null;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:PORT/`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The "profiles" subgraph on a free loopback port. */
export async function startProfileSubgraph(options: { mfaField?: boolean } = {}): Promise<RunningServer> {
  const server = new ApolloServer<ProfileContext>({
    schema: buildSubgraphSchema([
      {
        typeDefs: parse(profileSdl(options.mfaField === true)),
        resolvers: {
          User: {
            __resolveReference(reference: { id: string }, ctx: ProfileContext) {
              return { id: reference.id, bio: `Bio of ${reference.id}`, lastSeenBy: ctx.authorization, paymentNote: `Card of ${reference.id}` };
            },
          },
        } as never,
      },
    ]),
    logger: SILENT_LOGGER,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization ?? null }),
  });
  return { url, stop: () => server.stop() };
}
