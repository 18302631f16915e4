import {
  InputError,
  bigintJson,
  defaultCatalog,
  escapeControl,
  intFlag,
  logPluginPaths,
  fmt,
  formatState,
  loadLog,
  machineState,
  replayLogFile,
} from '@vmlab/lab';

export interface ReplayFlags {
  until?: string;
  json?: boolean;
  allowPlugins?: boolean;
}

/**
 * `vmlab replay LOG [--until N]`: rebuilds a fresh machine from the log alone and checks
 * that the domain event log is byte-identical. Exit 0 identical, 1 different, 2 bad log.
 */
export async function replayCommand(file: string, flags: ReplayFlags, print: (s: string) => void): Promise<number> {
  let until: number | undefined;
  if (flags.until !== undefined) {
    until = intFlag('until', flags.until, 1, 1);
  }
  const log = loadLog(file);
  if (until !== undefined && !log.commands.some((c) => c.seq === until)) {
    throw new InputError(`--until ${until}: the log has commands 1 to ${log.commands.length}`);
  }
  const code = logPluginPaths(log);
  if (code.length > 0 && flags.allowPlugins === true)
    process.stderr.write(`vmlab: --allow-plugins: loading plugin code named in ${file}:\n${code.map((c) => `  ${escapeControl(c)}`).join('\n')}\n`);
  const r = await replayLogFile(log, file, defaultCatalog(), { ...(until !== undefined ? { until } : {}), allowPlugins: flags.allowPlugins === true });
  const state = until !== undefined ? machineState(r.machine) : undefined;
  const cmd = until !== undefined ? log.commands.find((c) => c.seq === until) : undefined;
  if (flags.json === true) {
    print(
      JSON.stringify(
        {
          log: file,
          scenario: log.config.name,
          machine: log.config.machine,
          identical: r.identical,
          loggedHash: r.loggedHash ?? null,
          replayHash: r.replayHash,
          loggedEvents: until !== undefined ? r.replayedEvents : r.loggedEvents,
          replayedEvents: r.replayedEvents,
          ...(r.firstDifference !== undefined ? { firstDifference: r.firstDifference } : {}),
          ...(r.scheduleDivergence !== undefined ? { scheduleDivergence: r.scheduleDivergence } : {}),
          ...(until !== undefined ? { until, command: cmd, state } : {}),
        },
        bigintJson,
        2,
      ),
    );
    return r.identical ? 0 : 1;
  }
  const out: string[] = [];
  out.push(`replay of ${file}: ${log.config.name} on ${log.config.machine}${until !== undefined ? `, up to command ${until}` : ''}`);
  out.push(`  logged   sha256 ${r.loggedHash ?? '(no end line)'} (${until !== undefined ? r.replayedEvents : r.loggedEvents} events)`);
  out.push(`  replayed sha256 ${r.replayHash} (${r.replayedEvents} events)`);
  if (r.loggedHash !== undefined && r.loggedHash !== r.logEventsHash) out.push(`  the log's own event lines hash to ${r.logEventsHash}: the log was altered`);
  if (r.scheduleDivergence !== undefined) out.push(`  the logged schedule could not be followed: ${r.scheduleDivergence}`);
  if (r.firstDifference !== undefined) {
    const d = r.firstDifference;
    out.push(`  first difference at event ${d.index}:`, `    logged   ${d.logged ?? '(none)'}`, `    replayed ${d.replayed ?? '(none)'}`);
  }
  out.push(r.identical ? '  identical' : '  DIFFERENT');
  if (state !== undefined && cmd !== undefined) {
    out.push(
      '',
      `state after command ${until} (step ${cmd.step}, line ${cmd.line}: ${cmd.op}${cmd.thread !== undefined ? ` [t${cmd.thread}]` : ''} ${fmt(cmd.args)}):`,
    );
    out.push(...formatState(state));
  }
  print(out.join('\n'));
  return r.identical ? 0 : 1;
}
