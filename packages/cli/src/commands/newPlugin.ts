import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, pluginTemplate, writeOutput } from '@vmlab/lab';

export interface NewPluginFlags {
  dir?: string;
}

/** `vmlab new-plugin NAME [--dir DIR]`: writes DIR/NAME, a pmap plugin that passes the conformance suite. */
export function newPluginCommand(name: string, flags: NewPluginFlags, print: (s: string) => void): number {
  if (!/^[a-z][a-z0-9_-]*$/.test(name))
    throw new InputError(`new-plugin: '${name}' is not a plugin name (lower-case letters, digits, - and _, starting with a letter)`);
  if (flags.dir !== undefined && existsSync(flags.dir) && !statSync(flags.dir).isDirectory())
    throw new InputError(`new-plugin --dir ${flags.dir}: is a file, not a folder`);
  const dir = resolve(flags.dir ?? '.', name);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`new-plugin: ${dir} exists and is a file`);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`new-plugin: ${dir} exists and is not empty`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`new-plugin: cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const [file, text] of Object.entries(pluginTemplate(name))) {
    const why = writeOutput(join(dir, file), text);
    if (why !== undefined) throw new InputError(`new-plugin: ${join(dir, file)}: ${why}`);
    print(`wrote ${join(dir, file)}`);
  }
  return 0;
}
