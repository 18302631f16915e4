/** The scenario format: parser, value syntax and expectation matcher. */
export type * from './ast.ts';
export { ScenarioError, ScenarioErrors, scenarioErrorOf } from './ScenarioError.ts';
export {
  parseScenario,
  parseMachineFile,
  STEP_OPS,
  CHECK_QUERIES,
  MMAP_FLAGS,
  MSYNC_FLAGS,
  SYSARCH_FLAGS,
  INHERIT_VALUES,
  ADVICE_VALUES,
  BRANCH_VALUES,
  SYSARCH_OPS,
  DENY_VALUES,
  RIGHTS_VALUES,
  ABI_VALUES,
} from './parseScenario.ts';
export { matchExpectation, formatValue, formatExpect } from './matchExpectation.ts';
export type { MatchContext } from './matchExpectation.ts';
export {
  SCENARIO_PAGE_SIZE,
  ValueError,
  hex,
  parseNumber,
  parseCount,
  parseU32,
  parseSize,
  looksLikeSize,
  parseName,
  parseAddr,
  formatAddrExpr,
  parseProt,
  parseFlags,
  parseEnum,
} from './values.ts';
