import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, resolve } from 'node:path';
import { defaultCatalog, defaultViewPath, writeView } from '@vmlab/lab';

export interface ViewFlags {
  output?: string;
  open?: boolean;
  serve?: boolean;
}

/** Serves one file on 127.0.0.1 at a free port (only that file: `/` and `/NAME`); resolves with its URL. */
export function serveFile(file: string): Promise<{ url: string; close: () => void }> {
  const name = `/${encodeURIComponent(basename(file))}`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0];
    if (req.method !== 'GET' || (path !== '/' && path !== name)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      ok({ url: `http://127.0.0.1:${port}${name}`, close: () => server.close() });
    });
  });
}

/** Opens a path or URL with the desktop's opener (xdg-open, open, start). */
function openInBrowser(target: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', target] : [target];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', (e) => process.stderr.write(`vmlab view: could not open a browser (${e.message}); open ${target}\n`));
  child.unref();
}

/**
 * `vmlab view LOG... [-o FILE.html] [--open] [--serve]`: replays each log and writes one
 * self-contained HTML viewer (the map, the chains, pages, MD tables, lanes, timeline at
 * every command); prints its path. Exit 0, 2 for a bad log.
 */
export async function viewCommand(logs: string[], flags: ViewFlags, print: (s: string) => void): Promise<number> {
  const out = resolve(flags.output ?? defaultViewPath(logs[0] ?? 'view'));
  const models = await writeView(logs, defaultCatalog(), out);
  print(out);
  if (flags.serve === true) {
    const { url } = await serveFile(out);
    print(`serving ${url} (127.0.0.1 only; Ctrl-C stops)`);
    if (flags.open === true) openInBrowser(url);
    await new Promise(() => {});
  } else if (flags.open === true) openInBrowser(out);
  return models.every((m) => m.identical) ? 0 : 1;
}
