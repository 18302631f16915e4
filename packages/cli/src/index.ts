/** @vmlab/cli: the vmlab command and the built-in catalog. */
export { defaultCatalog } from './catalog.ts';
export { InputError, loadScenario, machineFromWord, scenarioMachines, type NamedMachine } from './loadScenario.ts';
export { runOnMachine } from './runOnMachine.ts';
