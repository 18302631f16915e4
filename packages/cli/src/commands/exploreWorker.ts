/** A worker thread of `explore --workers N`: runs one shard and posts its JSON document. */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '@vmlab/lab';
import { type ExploreFlags, exploreCommand } from './explore.ts';

const { file, flags } = workerData as { file: string; flags: ExploreFlags };
const lines: string[] = [];
try {
  const code = await exploreCommand(file, flags, (s) => lines.push(s));
  parentPort!.postMessage({ code, out: lines.join('\n') });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message, input: e instanceof InputError });
}
