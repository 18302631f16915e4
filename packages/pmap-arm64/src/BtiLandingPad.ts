/**
 * The hardware model the arm64 MD check reads: the BTI landing pads (SCENARIO.md) and which
 * kind of indirect branch may land on each. A guarded page's `mdCheck` fetches the target
 * word and asks `isLandingPad`.
 */

/** Landing pads: BTI c, BTI j, BTI jc, PACIASP. */
export const BTI_C = 0xd503245f;
export const BTI_J = 0xd503249f;
export const BTI_JC = 0xd50324df;
export const PACIASP = 0xd503233f;

/** Whether `word` is a landing pad an indirect branch of kind `branch` may land on. */
export function isLandingPad(word: number, branch: 'call' | 'jump'): boolean {
  if (word === BTI_JC) return true;
  if (branch === 'call') return word === BTI_C || word === PACIASP;
  return word === BTI_J;
}
