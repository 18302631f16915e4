/**
 * The one place that writes the files a command produces (`--log`, `--html`, `--out`, the
 * explore counterexample log, `new-plugin`'s folder check). A target is refused, before
 * anything runs, when it names a directory, sits in a folder that does not exist, or is
 * one of the command's input files (writing it would overwrite the scenario or the log).
 */
import { closeSync, openSync, realpathSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../scenario/InputError.ts';

const same = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

/** Why `file` cannot be an output, or undefined when it can (`what`: "--log", "--html"...). */
export function outputProblem(file: string, inputs: readonly string[] = []): string | undefined {
  if (file === '') return 'an empty file name';
  if (file === '/dev/null' || file === '/dev/stdout' || file === '/dev/stderr') return undefined;
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory() === true) return `${file} is a directory; name a file`;
  if (st === undefined) {
    const dir = dirname(resolve(file));
    let d: ReturnType<typeof statSync> | undefined;
    try {
      d = statSync(dir);
    } catch {
      d = undefined;
    }
    if (d === undefined) return `the folder ${dir} does not exist`;
    if (!d.isDirectory()) return `${dir} is not a folder`;
  }
  for (const input of inputs) if (same(file, input)) return `${file} is the input file ${input}; writing it would overwrite it`;
  return undefined;
}

/** Refuses an output file (InputError, exit 2) for the reasons `outputProblem` gives. */
export function checkOutput(flag: string, file: string, inputs: readonly string[] = []): void {
  const p = outputProblem(file, inputs);
  if (p !== undefined) throw new InputError(`${flag} ${file}: ${p}`);
}

/** An output opened for writing line by line (the run log). */
export interface OutputStream {
  write(text: string): void;
  close(): void;
}

/** Opens an output file after the checks; a write error is InputError naming the flag. */
export function openOutput(flag: string, file: string, inputs: readonly string[] = []): OutputStream {
  checkOutput(flag, file, inputs);
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (e) {
    throw new InputError(`${flag} ${file}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return {
    write: (text) => {
      writeSync(fd, text);
    },
    close: () => closeSync(fd),
  };
}

/**
 * Writes a whole output file; returns undefined when written, or why it could not be
 * (the caller then prints what it would have written, as fuzz does with the scenario).
 */
export function writeOutput(file: string, text: string, inputs: readonly string[] = []): string | undefined {
  const p = outputProblem(file, inputs);
  if (p !== undefined) return p;
  try {
    const out = openOutput('', file, inputs);
    try {
      out.write(text);
    } finally {
      out.close();
    }
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^ \S+: /, '');
  }
}
