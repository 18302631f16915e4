/**
 * docs/policies.md, written from the policy definitions themselves (the catalog that
 * `vmlab policies` prints), so the document and the simulator cannot disagree:
 *
 *   pnpm docs:policies          rewrite docs/policies.md
 *
 * tests/foundation/docs.spec.ts checks the file is what this script writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCatalog } from '@vmlab/lab';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The text of docs/policies.md. */
export function policiesDoc(): string {
  const catalog = defaultCatalog();
  const lines = [
    '# Policies',
    '',
    '<!-- Written by `pnpm docs:policies` from the policy definitions; do not edit by hand. -->',
    '',
    'Each historical kernel bug vmlab reproduces is one value of one policy key; the default value',
    'is the fixed behaviour of the ABI the machine runs (`abi:`). A machine sets policies in its file',
    '(`policies: { swap.readbehind: after_unlock }`), `vmlab fuzz` takes `--policy key=value`, and',
    '`vmlab policies` prints this table. The rules column names the kernel rules of',
    '[kernel-rules.md](kernel-rules.md) (T-numbered) or the advisory the value reproduces.',
    '',
    '| key | values (default first) | default per ABI | package | rules | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const d of [...catalog.policies.all()].sort((a, b) => a.key.localeCompare(b.key))) {
    const perAbi = (['freebsd', 'linux', 'openbsd'] as const).map((abi) => `${abi}: \`${catalog.policies.defaultOf(d.key, abi)}\``).join(', ');
    lines.push(`| \`${d.key}\` | ${d.values.map((v) => `\`${v}\``).join(', ')} | ${perAbi} | ${d.owner} | ${cell(d.rules)} | ${cell(d.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '../docs/policies.md');
  writeFileSync(file, policiesDoc());
  process.stdout.write(`wrote ${file}\n`);
}
