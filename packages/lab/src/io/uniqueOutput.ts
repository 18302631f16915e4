import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A default output file in `dir` (the current folder) that no earlier run wrote:
 * `STEM.EXT`, else `STEM-2.EXT`, `STEM-3.EXT`... The stem is made safe for a file name.
 * Absolute, so the command can print exactly where it wrote.
 */
export function uniqueOutput(stem: string, ext: string, dir: string = process.cwd()): string {
  const safe = stem.replace(/[^\w.-]+/g, '_');
  for (let n = 1; ; n++) {
    const file = resolve(join(dir, `${safe}${n === 1 ? '' : `-${n}`}.${ext}`));
    if (!existsSync(file)) return file;
  }
}
