import { PAGE_SIZE, WORDS_PER_PAGE } from '../abi/constants.ts';

/**
 * A simulated file (vnode) of the scenario's `files:`: a size, a fill word, and the words
 * written back to it. The page cache is its VM object's resident pages.
 */
export class VnodeFile {
  /** Written words by page index (cold path: only page-out and msync write here). */
  private readonly written = new Map<number, Map<number, number>>();
  /** Set once revocation of the file's mappings started: new mappings fail with ENXIO. */
  revoked = false;

  constructor(
    readonly path: string,
    readonly size: number,
    readonly fill: number,
  ) {}

  get pages(): number {
    return Math.ceil(this.size / PAGE_SIZE);
  }

  /** The word at (page, word index) as stored in the file. */
  readWord(pindex: number, word: number): number {
    const p = this.written.get(pindex);
    const v = p?.get(word);
    return v === undefined ? this.fill : v;
  }

  /** Copies a page of the file into `dst` (a function receiving words that differ from fill). */
  forEachWritten(pindex: number, fn: (word: number, value: number) => void): void {
    const p = this.written.get(pindex);
    if (p === undefined) return;
    for (const [w, v] of [...p].sort((a, b) => a[0] - b[0])) fn(w, v);
  }

  /** Writes a whole page back from a reader of its words. */
  writePage(pindex: number, read: (word: number) => number): void {
    let p: Map<number, number> | undefined;
    for (let w = 0; w < WORDS_PER_PAGE; w++) {
      const v = read(w);
      if (v !== this.fill) {
        if (p === undefined) p = new Map();
        p.set(w, v);
      }
    }
    if (p === undefined) this.written.delete(pindex);
    else this.written.set(pindex, p);
  }
}
