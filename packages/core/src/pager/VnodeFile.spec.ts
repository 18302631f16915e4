import { describe, expect, it } from 'vitest';
import { VnodeFile } from './VnodeFile.ts';

describe('VnodeFile', () => {
  describe('when the size ends inside a page', () => {
    it('should read the fill below the end and zero past it, byte-exact in the last word', () => {
      const f = new VnodeFile('/f', 4096 + 6, 0x11223344);
      expect(f.pages).toBe(2);
      expect(f.readWord(0, 1023)).toBe(0x11223344);
      expect(f.readWord(1, 0)).toBe(0x11223344);
      expect(f.readWord(1, 1)).toBe(0x3344);
      expect(f.readWord(1, 2)).toBe(0);
      expect(f.pageBackground(0)).toBe(0x11223344);
      expect(f.pageBackground(1)).toBe(0);
    });

    it('should keep stores past the end out of the file', () => {
      const f = new VnodeFile('/f', 4096 + 6, 0);
      f.writePage(1, (w) => (w < 4 ? 0xaabbccdd : 0));
      expect(f.readWord(1, 0)).toBe(0xaabbccdd);
      expect(f.readWord(1, 1)).toBe(0xccdd);
      expect(f.readWord(1, 2)).toBe(0);
    });
  });

  describe('when the file is truncated and extended again', () => {
    it('should read zeros where the data was dropped, fill written data below the new end', () => {
      const f = new VnodeFile('/f', 3 * 4096, 0x01010101);
      f.writePage(0, (w) => (w === 0 ? 7 : 0x01010101));
      f.writePage(2, () => 9);
      f.setSize(10);
      expect(f.pages).toBe(1);
      expect(f.readWord(0, 0)).toBe(7);
      expect(f.readWord(0, 2)).toBe(0x0101);
      expect(f.readWord(0, 3)).toBe(0);
      f.setSize(3 * 4096);
      expect(f.readWord(0, 0)).toBe(7);
      expect(f.readWord(0, 2)).toBe(0x0101);
      expect(f.readWord(0, 3)).toBe(0);
      expect(f.readWord(2, 0)).toBe(0);
      expect(f.pageBackground(2)).toBe(0);
      const seen: [number, number][] = [];
      f.forEachWritten(0, (w, v) => seen.push([w, v]));
      expect(seen).toEqual([
        [0, 7],
        [1, 0x01010101],
        [2, 0x0101],
      ]);
    });
  });
});
