import { readFileSync } from 'node:fs';
import { InputError, type MergedDoc, type ShardDoc, mergeResults } from '@vmlab/lab';

/**
 * `vmlab merge RESULTS...`: combines the JSON documents of a sharded explore or fuzz
 * campaign into one. Exit as the unsharded command would (explore: 0 as expected; fuzz: 0
 * clean), 1 otherwise (a missing shard makes an explore expecting clean not as expected),
 * 2 bad input.
 */
export function mergeCommand(files: string[], flags: { json?: boolean }, print: (s: string) => void): number {
  const docs = files.map((f): ShardDoc => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new InputError(`${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      return JSON.parse(text) as ShardDoc;
    } catch (e) {
      throw new InputError(`${f}: not JSON (${(e as Error).message}); give the output of explore --json or fuzz --json`);
    }
  });
  return printMerged(mergeResults(docs, files), flags.json === true, print);
}

/** Prints a merged campaign (one JSON document, or a summary) and gives its exit status. */
export function printMerged(m: MergedDoc, json: boolean, print: (s: string) => void): number {
  if (json) {
    print(JSON.stringify(m.doc, null, 2));
    return m.code;
  }
  const d = m.doc as Record<string, unknown>;
  const out: string[] = [
    `merged ${m.shards} shard${m.shards === 1 ? '' : 's'} of ${m.kind === 'explore' ? 'an explore' : 'a fuzz'} campaign${m.missing.length > 0 ? ` (MISSING shards ${m.missing.join(', ')})` : ''}`,
  ];
  if (m.kind === 'fuzz') {
    const v = d.violation as { signature: string; run: number } | null;
    out.push(
      `  ${d.ops} operations in ${d.runs} runs, ${d.schedules} random schedules: ${v === null ? 'no violation' : `VIOLATION in run ${v.run} (${v.signature})`}`,
    );
  } else {
    for (const x of d.machines as { machine: string; schedules: number; complete: boolean; violation?: { invariant: string; message?: string } }[]) {
      out.push(
        `  ${x.machine}: ${x.violation !== undefined ? `VIOLATION of ${x.violation.invariant}` : 'clean'} after ${x.schedules} schedules${x.complete ? ' (complete)' : ''}`,
      );
    }
    out.push(`  expected ${(d.expected as { expect: string }).expect}: ${d.ok === true ? 'as expected' : 'NOT as expected'}`);
  }
  print(out.join('\n'));
  return m.code;
}
