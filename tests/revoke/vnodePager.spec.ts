import { describe, expect, it } from 'vitest';
import { outcomes, problems, runText } from '../helpers/scenario.ts';

const revoked = (mode: string) => `name: t
machine: { arch: amd64, policies: { revoke.mode: ${mode} } }
files:
  - { path: /dev/fb, size: 4 pages, fill: 0xf00df00d }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 4 pages, prot: r, flags: [shared], file: /dev/fb, as: fb }
  - read: { pid: 1, addr: fb }
  - revoke: { file: /dev/fb }
  - check: { events: { kind: file_revoke } }
  - read: { pid: 1, addr: fb }
  - read: { pid: 1, addr: fb+3 pages }
`;

describe('the vnode pager refuses page-ins once its file is revoked (a file_revoke subscription)', () => {
  describe('when revoke.mode is zap', () => {
    it('should fail a page-in of a cached page and of a never-read page with SIGBUS/BUS_ADRERR', async () => {
      const r = await runText(revoked('zap'));
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o.at(-5)).toEqual({ value: 0xf00df00d });
      expect(o.at(-3)).toEqual({ events: 1 });
      expect(o.at(-2)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
      expect(o.at(-1)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    });
  });

  describe('when revoke.mode is replace_entry', () => {
    it('should emit no file_revoke (the entries lose the object instead) and still give SIGBUS', async () => {
      const r = await runText(revoked('replace_entry'));
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o.at(-3)).toEqual({ events: 0 });
      expect(o.at(-1)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    });
  });
});
