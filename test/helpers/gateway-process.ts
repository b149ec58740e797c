import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type GraphQLResponse, postGraphQL } from './graphql-client.js';

/** The built entry point (`npm test` builds first). */
export const GATEWAY_ENTRY = path.resolve('dist/src/main.js');

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Resolves with the exit code once the process has exited. */
  readonly exit: Promise<number | null>;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The built gateway (`dist/src/main.js`) as its own process with exactly `env` (plus PATH);
 * resolves once its start-up line (or `listeners` of them, one per worker) says where it listens.
 */
export function startGatewayProcess(cwd: string, env: Record<string, string>, options: { listeners?: number } = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [GATEWAY_ENTRY], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      // With WORKERS, each worker says it listens: wait for as many as asked.
      const lines = [...output.matchAll(/listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/g)];
      if (lines.length < (options.listeners ?? 1)) return;
      const port = lines[0]![1]!;
      const url = `http://127.0.0.1:${port}`;
      resolve({
        child,
        port: Number(port),
        url,
        exit,
        gql: (query, variables, headers) => postGraphQL(`${url}/graphql`, query, variables, headers),
        stop: () => {
          child.kill('SIGTERM');
          return exit;
        },
      });
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exit.then((code) => reject(new Error(`gateway exited (${code}) before listening: ${output}`)));
  });
}
