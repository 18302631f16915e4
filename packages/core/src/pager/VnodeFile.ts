import { PAGE_SIZE, WORDS_PER_PAGE } from '../abi/constants.ts';

/** The bytes of a little-endian 32-bit word that lie below `validBytes` (0..4). */
function maskWord(value: number, validBytes: number): number {
  if (validBytes >= 4) return value >>> 0;
  if (validBytes <= 0) return 0;
  return (value & ((1 << (validBytes * 8)) - 1)) >>> 0;
}

/**
 * A simulated file (vnode) of the scenario's `files:`: a size, a fill word, and the words
 * written back to it. The page cache is its VM object's resident pages.
 *
 * Bytes at or past the end of the file read as zero: the tail of the last page, and
 * everything a later extension adds. The fill covers only the bytes below the smallest
 * size the file ever had (`fillEnd`): a truncation drops data for good.
 */
export class VnodeFile {
  /** Written words by page index (cold path: only page-out and msync write here). */
  private readonly written = new Map<number, Map<number, number>>();
  /** Set once revocation of the file's mappings started: new mappings fail with ENXIO. */
  revoked = false;
  /** Bytes below this offset read as `fill` unless written. */
  private fillEnd: number;

  constructor(
    readonly path: string,
    private bytes: number,
    readonly fill: number,
  ) {
    this.fillEnd = bytes;
  }

  /** The file's size in bytes. */
  get size(): number {
    return this.bytes;
  }

  /** Pages the file covers (its last page may be partial). */
  get pages(): number {
    return Math.ceil(this.bytes / PAGE_SIZE);
  }

  /** The word at (page, word index) as stored in the file; bytes past the end read zero. */
  readWord(pindex: number, word: number): number {
    const off = pindex * PAGE_SIZE + word * 4;
    if (off >= this.bytes) return 0;
    const v = this.written.get(pindex)?.get(word);
    const base = v !== undefined ? v : maskWord(this.fill, this.fillEnd - off);
    return maskWord(base, this.bytes - off);
  }

  /** Calls fn for every word of the page that differs from `pageBackground(pindex)`, in word order. */
  forEachWritten(pindex: number, fn: (word: number, value: number) => void): void {
    if (this.pageBackground(pindex) === 0) {
      // A page at or past the end of the filled part: every word that is not zero.
      if (pindex * PAGE_SIZE >= this.bytes) return;
      for (let w = 0; w < WORDS_PER_PAGE; w++) {
        const v = this.readWord(pindex, w);
        if (v !== 0) fn(w, v);
      }
      return;
    }
    const p = this.written.get(pindex);
    if (p === undefined) return;
    for (const [w, v] of [...p].sort((a, b) => a[0] - b[0])) fn(w, v);
  }

  /** The value most words of a page read as: the fill where the page lies wholly within the filled part, else zero. */
  pageBackground(pindex: number): number {
    return (pindex + 1) * PAGE_SIZE <= Math.min(this.bytes, this.fillEnd) ? this.fill : 0;
  }

  /** Writes a whole page back from a reader of its words; bytes past the end do not reach the file. */
  writePage(pindex: number, read: (word: number) => number): void {
    const first = pindex * PAGE_SIZE;
    if (first >= this.bytes) return;
    let p: Map<number, number> | undefined;
    for (let w = 0; w < WORDS_PER_PAGE; w++) {
      const off = first + w * 4;
      if (off >= this.bytes) break;
      const v = maskWord(read(w), this.bytes - off);
      const background = maskWord(maskWord(this.fill, this.fillEnd - off), this.bytes - off);
      if (v !== background) {
        if (p === undefined) p = new Map();
        p.set(w, v);
      }
    }
    if (p === undefined) this.written.delete(pindex);
    else this.written.set(pindex, p);
  }

  /**
   * Changes the file's size (ftruncate). Data past a smaller size is gone; a later extension
   * reads zero there.
   */
  setSize(bytes: number): void {
    if (bytes < this.bytes) {
      const lastPage = Math.floor(bytes / PAGE_SIZE);
      for (const [pi, words] of [...this.written]) {
        if (pi > lastPage || (pi === lastPage && bytes % PAGE_SIZE === 0)) {
          this.written.delete(pi);
          continue;
        }
        if (pi !== lastPage) continue;
        for (const [w, v] of [...words]) {
          const off = pi * PAGE_SIZE + w * 4;
          if (off >= bytes) words.delete(w);
          else words.set(w, maskWord(v, bytes - off));
        }
        if (words.size === 0) this.written.delete(pi);
      }
      if (bytes < this.fillEnd) this.fillEnd = bytes;
    }
    this.bytes = bytes;
  }
}
