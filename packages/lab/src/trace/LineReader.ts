import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * Called once per line with the bytes of the line (`buf[start..end)`, no newline) and its 1-based number.
 * It may return a promise (rare: a reader that must read another file first); the reader waits for it.
 */
export type LineHandler = (buf: Buffer, start: number, end: number, line: number) => void | Promise<void>;

const CHUNK = 1 << 20;
/** The longest line a reader carries from one chunk to the next. */
const MAX_LINE = 1 << 20;

/** True when the file starts with the gzip magic bytes. */
export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes as a stream, gunzipped when it is gzip. */
export function openTraceStream(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  if (!isGzip(path)) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/**
 * Stream a (possibly gzipped) file line by line, holding one chunk and one partial line at a time.
 * Returns the bytes read (after decompression) and the lines. A final line without a newline is delivered too.
 */
export async function readLines(path: string, onLine: LineHandler): Promise<{ bytes: number; lines: number }> {
  const stream = openTraceStream(path);
  let carry: Buffer | undefined;
  let line = 0;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      const buf = chunk;
      let pos = 0;
      if (carry) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        const first = Buffer.concat([carry, chunk.subarray(0, nl)]);
        carry = undefined;
        const r = onLine(first, 0, trimCr(first, 0, first.length), ++line);
        if (r) await r;
        pos = nl + 1;
      }
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        const r = onLine(buf, pos, trimCr(buf, pos, nl), ++line);
        if (r) await r;
        pos = nl + 1;
      }
      if (pos < buf.length) carry = Buffer.from(buf.subarray(pos));
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) {
    const r = onLine(carry, 0, trimCr(carry, 0, carry.length), ++line);
    if (r) await r;
  }
  return { bytes, lines: line };
}

function trimCr(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === 13 ? end - 1 : end;
}

/** The first non-empty lines of a file (for format detection and lackey headers), at most `max`. */
export async function headLines(path: string, max: number): Promise<string[]> {
  const out: string[] = [];
  const stream = openTraceStream(path);
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += chunk.toString('latin1', 0, Math.min(chunk.length, 1 << 16));
      const lines = text.split('\n');
      const whole = lines.slice(0, -1).filter((l) => l.trim() !== '');
      if (whole.length >= max || text.length >= 1 << 16) {
        out.push(...whole.slice(0, max));
        return out;
      }
    }
    out.push(
      ...text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(0, max),
    );
    return out;
  } finally {
    stream.destroy();
  }
}

/**
 * Parses the complete lines in `buf[pos..end)` and returns where the first incomplete line starts, or asks
 * the caller to wait for a promise and call again from `next` (a reader that must read another file first).
 */
export type ChunkParser = (buf: Buffer, pos: number, end: number) => number | { wait: Promise<void>; next: number };

/**
 * Stream a (possibly gzipped) file through a chunk parser, carrying an incomplete last line over to the
 * next chunk. A final line without a newline gets one. Returns the bytes read (after decompression).
 */
export async function readChunks(path: string, parse: ChunkParser): Promise<number> {
  const stream = openTraceStream(path);
  let carry: Buffer | undefined;
  let bytes = 0;
  const feed = async (buf: Buffer): Promise<number> => {
    let pos = 0;
    for (;;) {
      const r = parse(buf, pos, buf.length);
      if (typeof r === 'number') return r;
      await r.wait;
      pos = r.next;
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      const done = await feed(buf);
      carry = done < buf.length ? Buffer.from(buf.subarray(done)) : undefined;
      if (carry && carry.length > MAX_LINE) throw new Error(`a line longer than ${MAX_LINE} bytes (not a trace?)`);
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) await feed(Buffer.concat([carry, Buffer.from('\n')]));
  return bytes;
}
