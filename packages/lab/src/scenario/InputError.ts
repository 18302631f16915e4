/**
 * Bad input met by the harness (a scenario, machine or log file, a command-line word): the
 * message names file, line and column. The command line turns it into exit code 2.
 */
export class InputError extends Error {}
