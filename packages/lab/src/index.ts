/**
 * @vmlab/lab: the harness over the kernel model. Scenarios (parser, expectation matcher,
 * runner), the run log and its replay, schedule exploration, fuzzing with a shadow model,
 * comparison of machines, the default catalog of the built-in packages, and the pmap
 * conformance suite. The `vmlab` command is a thin front over it.
 */

// The scenario format (SCENARIO.md): parsed form, parser, values, expectations.
export type {
  AddrExpr,
  ArgValue,
  CheckQuery,
  CmpOp,
  ExpectValue,
  Expectation,
  ExploreSpec,
  FileSpec,
  MachineRef,
  MachineSpec,
  SavedRef,
  Scenario,
  SourcePos,
  Step,
} from './scenario/ast.ts';
export { ScenarioError, ScenarioErrors, scenarioErrorOf } from './scenario/ScenarioError.ts';
export {
  ABI_VALUES,
  ADVICE_VALUES,
  BRANCH_VALUES,
  CHECK_QUERIES,
  DENY_VALUES,
  INHERIT_VALUES,
  MMAP_FLAGS,
  MSYNC_FLAGS,
  RIGHTS_VALUES,
  OPS,
  QUERIES,
  STEP_OPS,
  SYSARCH_FLAGS,
  SYSARCH_OPS,
} from './scenario/stepSchemas.ts';
export { parseMachineFile, parseScenario } from './scenario/parseScenario.ts';
export { jsonSchemas, Machine as MachineFormat, SCHEMA_FILES, Scenario as ScenarioFormat } from './scenario/format.ts';
export { formatExpect, formatValue, matchExpectation } from './scenario/matchExpectation.ts';
export type { MatchContext } from './scenario/matchExpectation.ts';
export {
  SCENARIO_PAGE_SIZE,
  ValueError,
  formatAddrExpr,
  hex,
  looksLikeSize,
  parseAddr,
  parseCount,
  parseEnum,
  parseFlags,
  parseName,
  parseNumber,
  parseProt,
  parseSize,
  parseU32,
} from './scenario/values.ts';
export { InputError } from './scenario/InputError.ts';
export { loadScenario, machineFromWord, readText, resolveMachineRef, scenarioMachines } from './scenario/loadScenario.ts';
export type { NamedMachine } from './scenario/loadScenario.ts';

// Running a scenario on a machine.
export { ScenarioRunner } from './runner/ScenarioRunner.ts';
export { RunError } from './runner/RunReport.ts';
export type { CommandRecord, RunOptions, RunReport, SchedulePoint, StepReport, ViolationReport } from './runner/RunReport.ts';
export { eventLine } from './runner/eventLine.ts';
export { parseProtString } from './runner/stepArgs.ts';
export { composeNamed, runOnMachine } from './runner/runOnMachine.ts';
export type { RunOnMachineOptions } from './runner/runOnMachine.ts';
export { fmt, formatRun, reportOk, runJson, stepLine } from './report/formatRun.ts';
/** JSON.stringify replacer writing 64-bit bigint values (addresses, 8-byte loads) as 0x strings. */
export { bigintJson } from '@vmlab/core';

// The default catalog: the built-in arches, presets, policies and plugins.
export { defaultCatalog } from './catalog/defaultCatalog.ts';

// Event sourcing: the run log (command log + domain event log) and its replay.
export { LOG_VERSION, LogError, LogWriter, MAX_LOG_DEPTH, parseLog, plainSpec } from './replay/log.ts';
export { checkLogSteps } from './replay/checkLogSteps.ts';
export type { LogCommand, LogConfig, LogEnd, LogSched, RunLog } from './replay/log.ts';
export { hashEventLines, machineInvariants, machineState, replayLog, scenarioOfLog } from './replay/replay.ts';
export type { ReplayObserver, ReplayOptions, ReplayResult } from './replay/replay.ts';
export { loadLog, logPluginPaths, replayLogFile } from './replay/loadLog.ts';

// The viewer: the state snapshot (replay --until), the HTML viewer, the lanes of a race.
export { SNAPSHOT_PAGE_LIMIT, stateSnapshot } from './view/stateSnapshot.ts';
export type { EntryState, ObjectState, PageState, ProcessState, PteState, StateSnapshot } from './view/stateSnapshot.ts';
export { formatState } from './view/formatState.ts';
export { LaneRecorder } from './view/lanes.ts';
export type { LaneSlice, Lanes } from './view/lanes.ts';
export { formatLanes } from './view/formatLanes.ts';
export { laneHooks, lanesOfLog } from './view/recordLanes.ts';
export type { LaneHooks } from './view/recordLanes.ts';
export { isMdKind, machineLegend, specLegend, viewModel } from './view/viewModel.ts';
export type { MachineLegend, ViewCommand, ViewModel, ViewViolation } from './view/viewModel.ts';
export { viewHtml } from './view/viewHtml.ts';
export { defaultViewPath, writeView } from './view/writeView.ts';

// Schedule exploration.
export { STRATEGIES, explore, firstProblem, schedulesOf, withSchedules } from './explore/explore.ts';
export type {
  ExploreHooks,
  ExploreOptions,
  ExplorePoint,
  ExploreResult,
  ExploreStats,
  ExploreViolation,
  RunOnce,
  RunSnapshot,
  Strategy,
} from './explore/explore.ts';
export { snapshotRunOnce } from './explore/snapshotRun.ts';
export { HeapSnapshot, Unsnapshottable } from './explore/heapSnapshot.ts';
export { TraceClass } from './explore/TraceClass.ts';
export { FREE_MARGIN, threadDependence } from './explore/threadFootprints.ts';
export { runSeed } from './explore/sampling.ts';
export { mergeResults } from './explore/mergeResults.ts';
export { MATRIX_STRATEGIES, matrixTable, raceMatrix, raceNames } from './explore/raceMatrix.ts';
export type { MatrixCell, MatrixRow, MatrixStrategy } from './explore/raceMatrix.ts';
export type { MergedDoc, ShardDoc } from './explore/mergeResults.ts';
export { deadlockMessage, runThreads, waitForCycle } from './runner/runThreads.ts';
export { exploreScenario, violated } from './explore/exploreScenario.ts';
export type { ExploreScenarioOptions, ExploreScenarioResult, MachineOutcome } from './explore/exploreScenario.ts';
export { Prng } from './explore/prng.ts';

// Fuzzing: random workloads, the shadow model, shrinking.
export { CALL_PADS, FUZZ_FILE, isRace } from './fuzz/FuzzOp.ts';
export type { Deny, FuzzOp, Prot, RaceKind } from './fuzz/FuzzOp.ts';
export { generateOps } from './fuzz/generateOps.ts';
export { scenarioOf, scenarioText, withOpSchedules } from './fuzz/scenarioOf.ts';
export { failureSignature, shrinkOps } from './fuzz/shrinkOps.ts';
export { fuzzMachine, racesOf, runFuzzText } from './fuzz/fuzzMachine.ts';
export type { FuzzOptions, FuzzResult, FuzzViolation } from './fuzz/fuzzMachine.ts';

// Comparing machines.
export { compareReports, compareScenario } from './compare/compareReports.ts';
export type { CompareResult, CompareRow } from './compare/compareReports.ts';
export { compareJson, formatCompare } from './compare/formatCompare.ts';
export { compareHtml } from './compare/compareHtml.ts';
export type { CompareHtmlOptions } from './compare/compareHtml.ts';
export { compareLogPath, compareViewPath, writeCompareHtml } from './compare/writeCompareHtml.ts';

// The pmap conformance suite and the plugin template that passes it.
export { CONFORMANCE } from './conformance/scenarios.ts';
export type { ConformanceCase } from './conformance/scenarios.ts';
export { pluginMachine, runConformance } from './conformance/runConformance.ts';
export type { ConformanceOptions, ConformanceResult } from './conformance/runConformance.ts';
export { pluginTemplate, TEMPLATE_TOOLS } from './conformance/pluginTemplate.ts';

// The exit codes, the internal-error report and the one writer of output files.
export { EXIT, escapeControl, internalErrorText } from './io/exitCodes.ts';
export { checkOutput, openOutput, outputProblem, writeOutput } from './io/outputFile.ts';
export type { OutputStream } from './io/outputFile.ts';
export { MAX_SEED, intFlag, secondsFlag, seedFlag } from './io/flags.ts';
export { uniqueOutput } from './io/uniqueOutput.ts';
export { catchInterrupt, yieldToEvents } from './io/interrupt.ts';
export type { Interrupt } from './io/interrupt.ts';
export { progressShown, startProgress } from './io/progress.ts';
export type { Progress, ProgressOptions } from './io/progress.ts';
export { colorEnabled, painter } from './report/color.ts';
export type { CompareTextOptions } from './compare/formatCompare.ts';
// Traces of real programs (strace, valgrind lackey), their replay on a machine, and workload generators.
export type { ImplicitKind, TraceOp, TracePos, TraceSink, TraceWarning } from './trace/TraceOp.ts';
export type { TraceFigures } from './trace/TraceFigures.ts';
export type { TraceFormat } from './trace/readTrace.ts';
export type { MachineTrace, TraceInput } from './trace/traceMachines.ts';
export type { GeneratorParams, TraceGenerator } from './trace/generators/TraceGenerator.ts';
export { TRACE_BRANCH, TRACE_EXEC, TRACE_READ, TRACE_WRITE } from './trace/TraceOp.ts';
export { TraceError } from './trace/TraceError.ts';
export { TraceStats } from './trace/TraceStats.ts';
export { detectFormat, readTrace } from './trace/readTrace.ts';
export { TraceExecutor } from './trace/TraceExecutor.ts';
export { runGenerator, runTrace } from './trace/runTrace.ts';
export { resolveGenerator, traceMachine, traceMachines } from './trace/traceMachines.ts';
export { GENERATORS, generate, generatorParams } from './trace/generators/generators.ts';
export { GenOut } from './trace/generators/TraceGenerator.ts';
export { formatTrace, traceRows } from './trace/formatTrace.ts';
