import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * dist/explorer under the project root (the directory holding package.json), whether this module
 * runs built (dist/src/…) or from source (tests).
 */
export function builtExplorerDirectory(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'explorer');
}

/**
 * Serves the explorer's built files under /explorer/: only files inside the directory, only the
 * types the bundle has. `headers` go on every answer (the content-security policy).
 */
export async function sendExplorerFile(directory: string, relative: string, response: ServerResponse, headers: Record<string, string>): Promise<void> {
  const file = path.resolve(directory, relative);
  const type = TYPES[path.extname(file)];
  const body = type && file.startsWith(`${directory}${path.sep}`) ? await readFile(file).catch(() => null) : null;
  if (!body) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end('not found');
    return;
  }
  // Chunk names carry a content hash; the other names are fixed, so those are revalidated.
  const cache = relative.startsWith('chunks/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  response.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': cache, 'x-content-type-options': 'nosniff', ...headers }).end(body);
}
