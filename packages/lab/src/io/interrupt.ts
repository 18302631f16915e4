/**
 * Ctrl-C for long commands (fuzz, explore): the first SIGINT asks the command to stop at the
 * next run boundary (it then prints what it found so far, writes --json and any violation, and
 * exits 130); a second one ends the process at once, with 130 too.
 */
import { EXIT } from './exitCodes.ts';

export interface Interrupt {
  /** Whether Ctrl-C was pressed. */
  readonly requested: boolean;
  /** Gives SIGINT back its default (the command is done). */
  dispose(): void;
}

export function catchInterrupt(err: (s: string) => void = (s) => process.stderr.write(s)): Interrupt {
  let requested = false;
  const onSigint = (): void => {
    if (requested) {
      err('vmlab: interrupted again; quitting now\n');
      process.exit(EXIT.interrupted);
    }
    requested = true;
    err('vmlab: interrupted; stopping at the next run boundary (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  // For a program that drives vmlab (and the tests): say when Ctrl-C is handled.
  if (process.env.VMLAB_SAY_INTERRUPTIBLE === '1') err('vmlab: interruptible\n');
  return {
    get requested() {
      return requested;
    },
    dispose: () => {
      process.off('SIGINT', onSigint);
    },
  };
}

/** Lets the event loop run (a pending SIGINT's handler among others) between two runs of a search. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
