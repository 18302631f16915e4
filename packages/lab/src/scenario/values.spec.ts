import { describe, expect, it } from 'vitest';
import { ValueError, formatAddrExpr, parseAddr, parseFlags, parseNumber, parseProt, parseSize, parseU32 } from './values.ts';

describe('parseNumber', () => {
  describe('when given decimal, hex or YAML ints', () => {
    it('should read them as numbers', () => {
      expect(parseNumber(42)).toBe(42);
      expect(parseNumber(42n)).toBe(42);
      expect(parseNumber('0x1F')).toBe(31);
      expect(parseNumber(' 17 ')).toBe(17);
      expect(parseNumber('-0x10')).toBe(-16);
    });
  });

  describe('when a big value is aligned enough to be exact', () => {
    it('should keep it, and refuse one that is not', () => {
      expect(parseNumber(0xffff800000000000n)).toBe(0xffff800000000000);
      expect(() => parseNumber(0xffff800000000001n)).toThrow(/not exactly representable/);
    });
  });

  describe('when given something else', () => {
    it('should throw a ValueError', () => {
      expect(() => parseNumber('ten')).toThrow(ValueError);
      expect(() => parseNumber(1.5)).toThrow(/integer/);
      expect(() => parseNumber(null)).toThrow(ValueError);
    });
  });
});

describe('parseU32', () => {
  describe('when the value is outside 32 bits', () => {
    it('should refuse it', () => {
      expect(parseU32(0xffffffff)).toBe(0xffffffff);
      expect(() => parseU32(0x100000000)).toThrow(/32 bits/);
      expect(() => parseU32(-1)).toThrow(/32 bits/);
    });
  });
});

describe('parseSize', () => {
  describe('when given bytes or a unit', () => {
    it('should give bytes, with a page of 4096', () => {
      expect(parseSize(8192n)).toBe(8192);
      expect(parseSize('0x2000')).toBe(8192);
      expect(parseSize('4KiB')).toBe(4096);
      expect(parseSize('2MiB')).toBe(2 * 1024 * 1024);
      expect(parseSize('1GiB')).toBe(1024 * 1024 * 1024);
      expect(parseSize('1 page')).toBe(4096);
      expect(parseSize('16 pages')).toBe(16 * 4096);
      expect(parseSize('0x10 pages')).toBe(16 * 4096);
      expect(parseSize('12B')).toBe(12);
      expect(parseSize(0)).toBe(0);
    });
  });

  describe('when the unit is unknown or the size is negative', () => {
    it('should throw, naming the units', () => {
      expect(() => parseSize('4 KB')).toThrow(/KiB, MiB, GiB, page or pages/);
      expect(() => parseSize('-4')).toThrow(ValueError);
      expect(() => parseSize('lots')).toThrow(/bad size/);
    });
  });
});

describe('parseAddr', () => {
  describe('when given a number', () => {
    it('should give an expression with no name', () => {
      expect(parseAddr(0x10000000n)).toEqual({ offset: 0x10000000 });
      expect(parseAddr('0x1000+0x10')).toEqual({ offset: 0x1010 });
    });
  });

  describe('when given a name with an offset', () => {
    it('should keep the name and the signed offset in bytes', () => {
      expect(parseAddr('buf')).toEqual({ name: 'buf', offset: 0 });
      expect(parseAddr('buf+0x1000')).toEqual({ name: 'buf', offset: 0x1000 });
      expect(parseAddr('buf + 2 pages')).toEqual({ name: 'buf', offset: 8192 });
      expect(parseAddr('buf-0x10')).toEqual({ name: 'buf', offset: -16 });
    });
  });

  describe('when the text is not an address', () => {
    it('should throw', () => {
      expect(() => parseAddr('buf+')).toThrow(/bad address/);
      expect(() => parseAddr('buf+lots')).toThrow(/offset 'lots'/);
      expect(() => parseAddr('2buf')).toThrow(/bad address/);
      expect(() => parseAddr('0x10-0x20')).toThrow(/negative/);
      expect(() => parseAddr(true)).toThrow(/bad address/);
    });
  });

  describe('when formatted back', () => {
    it('should read as written', () => {
      expect(formatAddrExpr({ name: 'buf', offset: 0x1000 })).toBe('buf+0x1000');
      expect(formatAddrExpr({ name: 'buf', offset: -16 })).toBe('buf-0x10');
      expect(formatAddrExpr({ offset: 0x10 })).toBe('0x10');
    });
  });
});

describe('parseProt', () => {
  describe('when given r, w, x in any order', () => {
    it('should give the canonical form', () => {
      expect(parseProt('none')).toBe('none');
      expect(parseProt('wr')).toBe('rw');
      expect(parseProt('xr')).toBe('rx');
      expect(parseProt('xwr')).toBe('rwx');
      expect(parseProt('xrbti')).toBe('rxbti');
    });
  });

  describe('when the text is not a protection', () => {
    it('should throw', () => {
      expect(() => parseProt('rwz')).toThrow(/bad prot/);
      expect(() => parseProt('rr')).toThrow(/twice/);
      expect(() => parseProt('btir')).toThrow(/bad prot/);
      expect(() => parseProt('')).toThrow(/bad prot/);
      expect(() => parseProt(0x100000000n)).toThrow(/bad prot.*32-bit/);
      expect(() => parseProt(-1n)).toThrow(/bad prot/);
    });
  });

  describe('when the protection is a number', () => {
    it('should keep the raw PROT_* bits for the kernel to check', () => {
      expect(parseProt(7n)).toBe(7);
      expect(parseProt('0x100003')).toBe(0x100003);
      expect(parseProt(0xffff)).toBe(0xffff);
    });
  });
});

describe('parseFlags', () => {
  describe('when given a list of names', () => {
    it('should check them against the allowed ones', () => {
      expect(parseFlags(['private', 'anon'], ['private', 'anon'])).toEqual(['private', 'anon']);
      expect(() => parseFlags(['privat'], ['private'])).toThrow(/unknown flag 'privat'/);
      expect(() => parseFlags(['anon', 'anon'], ['anon'])).toThrow(/twice/);
    });
  });

  describe('when given a number', () => {
    it('should keep the raw bits', () => {
      expect(parseFlags(0x1002n, ['private'])).toBe(0x1002);
      expect(parseFlags('0x22')).toBe(0x22);
    });
  });
});

describe('hex offsets that end in a unit letter', () => {
  describe('when an offset is 0x…b or 0x…c', () => {
    it('should read it as a hex number, not a number with a unit', () => {
      expect(parseAddr('buf+0x1b')).toEqual({ name: 'buf', offset: 0x1b });
      expect(parseAddr('buf+0x3ffc')).toEqual({ name: 'buf', offset: 0x3ffc });
      expect(parseSize('0x1b')).toBe(0x1b);
    });
  });
});
