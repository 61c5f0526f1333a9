// How many cases each property runs, and from which seed. `npm test` runs a small, fixed-seed share
// of every property (the same cases each run, so a failure there is reproducible as is); `npm run fuzz`
// sets HIJACK_FUZZ=1 for a random seed (printed) and HIJACK_FUZZ_RUNS cases per property.
// Reproduce a fuzz failure with HIJACK_FUZZ_SEED=<seed> (and the same HIJACK_FUZZ_RUNS).
import fc from 'fast-check'
import type {Test} from 'tap'

const fuzzing = process.env.HIJACK_FUZZ === '1'
const seedEnv = process.env.HIJACK_FUZZ_SEED
/** The seed of this run: HIJACK_FUZZ_SEED, else fixed under `npm test`, else random under `npm run fuzz`. */
export const SEED = seedEnv !== undefined && seedEnv !== '' ? Number(seedEnv) : fuzzing ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : 20261202
const runsEnv = Number(process.env.HIJACK_FUZZ_RUNS)
// tap shows a passing file's stderr, not its comments: the seed must be seen to be replayed.
if (fuzzing) process.stderr.write(`fuzz: seed ${SEED} (replay with HIJACK_FUZZ_SEED=${SEED})\n`)

/** Cases for one property: `quick` under `npm test`, HIJACK_FUZZ_RUNS (default 20 x quick) under `npm run fuzz`. */
export function runs(quick: number): number {
  if (Number.isInteger(runsEnv) && runsEnv > 0) return runsEnv
  return fuzzing ? quick * 20 : quick
}

/**
 * Checks one property and reports it as one tap assertion, with its case count and seed in the output
 * (fast-check's own report, with the counterexample and its replay path, is the failure message).
 */
export async function check<Ts>(t: Test, name: string, property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>, quick: number, timeoutMs?: number): Promise<void> {
  const numRuns = runs(quick)
  const details = await fc.check(property as fc.IAsyncPropertyWithHooks<Ts>, {numRuns, seed: SEED, timeout: timeoutMs})
  t.comment(`${name}: ${details.numRuns} cases (${details.numSkips} skipped), seed ${SEED}`)
  t.notOk(details.failed, `${name}${details.failed ? `\n${fc.defaultReportMessage(details)}` : ''}`)
}
