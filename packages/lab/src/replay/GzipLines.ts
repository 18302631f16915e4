import { gzipSync } from 'node:zlib';

/** The uncompressed bytes gathered before a gzip member is written. */
const BLOCK = 1 << 20;

/**
 * Lines written as a gzip file, synchronously: they are gathered and written as one gzip member per MiB
 * (a gzip file may hold several members; gunzip reads them as one stream), so a large run log takes a
 * fraction of the space and a run that stops leaves all but its last MiB.
 */
export class GzipLines {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly out: (bytes: Buffer) => void) {}

  write(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= BLOCK) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.out(gzipSync(Buffer.from(this.parts.join(''), 'utf8')));
    this.parts = [];
    this.size = 0;
  }
}
