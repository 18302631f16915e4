#!/usr/bin/env node
import { VERSION, runCli } from './cli.ts';

const args = process.argv.slice(2);
// What escapes the command (a rejection or throw after it returned) is vmlab's own error: exit 3.
const internal = async (e: unknown): Promise<void> => {
  const { EXIT, internalErrorText } = await import('@vmlab/lab');
  process.stderr.write(`${internalErrorText(e, VERSION, args)}\n`);
  process.exit(EXIT.internal);
};
process.on('uncaughtException', internal);
process.on('unhandledRejection', internal);
process.exitCode = await runCli(args);
