import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, pluginTemplate } from '@vmlab/lab';

export interface NewPluginFlags {
  dir?: string;
}

/** `vmlab new-plugin NAME [--dir DIR]`: writes DIR/NAME, a pmap plugin that passes the conformance suite. */
export function newPluginCommand(name: string, flags: NewPluginFlags, print: (s: string) => void): number {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new InputError(`new-plugin: '${name}' is not a plugin name (lower-case letters, digits, - and _, starting with a letter)`);
  const dir = resolve(flags.dir ?? '.', name);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`new-plugin: ${dir} exists and is not empty`);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(pluginTemplate(name))) {
    writeFileSync(join(dir, file), text);
    print(`wrote ${join(dir, file)}`);
  }
  return 0;
}
