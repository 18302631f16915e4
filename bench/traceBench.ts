/**
 * The trace reader's throughput for `pnpm bench`: a real lackey log (the forked child of
 * tests/trace/fixtures/forksort.c sorting its heap) with its accesses repeated to a few million,
 * read alone and run on a machine (the TLB-hit path: the translation is present for almost every
 * record), in accesses per second, beside the size of the real file.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { composeMachine, defaultMachine } from '@vmlab/core';
import { defaultCatalog, readTrace, TraceExecutor } from '@vmlab/lab';

export interface TraceBench {
  /** The real log: gzipped and plain bytes, and its accesses. */
  realGzBytes: number;
  realBytes: number;
  realAccesses: number;
  /** The repeated log read. */
  bytes: number;
  accesses: number;
  records: number;
  /** Accesses per second: the reader alone, and the reader with the machine. */
  readerRate: number;
  replayRate: number;
  /** Records whose translation was present. */
  tlbHitShare: number;
}

/** Write the real log with its body (accesses and calls before exit_group) repeated `times` times. */
function repeatedLog(src: string, out: string, times: number): number {
  const lines = gunzipSync(readFileSync(src)).toString('latin1').split('\n');
  const head = lines.findIndex((l) => !l.startsWith('=='));
  const exit = lines.findIndex((l) => l.includes(') exit_group('));
  const body = `${lines.slice(head, exit).join('\n')}\n`;
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, `${lines.slice(0, head).join('\n')}\n`);
    for (let i = 0; i < times; i++) writeSync(fd, body);
    writeSync(fd, `${lines.slice(exit).join('\n')}`);
  } finally {
    closeSync(fd);
  }
  return statSync(out).size;
}

export async function traceBench(fixtures: string, times: number): Promise<TraceBench> {
  const src = join(fixtures, 'forksort.lackey.11054.gz');
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-bench-trace-'));
  try {
    const big = join(dir, 'forksort.lackey.11054');
    const bytes = repeatedLog(src, big, times);
    const real = await readTrace([src], { access() {}, op() {}, warn() {} });
    let t0 = performance.now();
    const alone = await readTrace([big], { access() {}, op() {}, warn() {} });
    const readerMs = performance.now() - t0;
    const m = await composeMachine({ ...defaultMachine('amd64', 'amd64'), abi: 'linux', physmem: 256 << 20 }, defaultCatalog());
    const x = new TraceExecutor(m);
    t0 = performance.now();
    const st = await readTrace([big], x);
    const replayMs = performance.now() - t0;
    return {
      realGzBytes: statSync(src).size,
      realBytes: real.bytes,
      realAccesses: real.accesses,
      bytes,
      accesses: st.accesses,
      records: st.records,
      readerRate: alone.accesses / (readerMs / 1000),
      replayRate: st.accesses / (replayMs / 1000),
      tlbHitShare: x.figures.tlbHits / Math.max(1, x.figures.records),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
