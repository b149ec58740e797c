/**
 * Baseline B: a bare Apollo Server 5 (startStandaloneServer) with `type Query { hello: String }`:
 * what any Apollo-based gateway pays for HTTP, parsing, validation and execution.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const port = Number(process.env.PORT ?? 0);
const server = new ApolloServer({
  typeDefs: 'type Query { hello: String }',
  resolvers: { Query: { hello: () => 'world' } },
});
const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
process.stdout.write(`bare apollo listening on http://127.0.0.1:${new URL(url).port}/graphql\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void server.stop().then(() => process.exit(0)));
