import {Flags, type Interfaces} from '@oclif/core'
import type {FlagSpecs} from './flag-specs.js'

/** oclif flag objects for plain specs (multiple flags are non-greedy: `-e A c cmd` must not eat `c`). */
export function oclifFlags(specs: FlagSpecs): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {}
  for (const [name, spec] of Object.entries(specs)) {
    const common = {char: spec.char as Interfaces.AlphabetLowercase | Interfaces.AlphabetUppercase | undefined, description: spec.description}
    flags[name] = spec.type === 'boolean'
      ? Flags.boolean({...common, default: spec.default, allowNo: spec.allowNo ?? false})
      : spec.multiple
        ? Flags.string({...common, multiple: true, multipleNonGreedy: true})
        : Flags.string(common)
  }
  return flags
}
