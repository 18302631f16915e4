/** DI tokens of the machine that are not named after an interface elsewhere. */
export const MachineConfig = Symbol('MachineConfig');
