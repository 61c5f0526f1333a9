import type {FlagSpec, FlagSpecs, FlagValues} from './flag-specs.js'

export interface FastParsed {
  flags: FlagValues
  /** Operands, in order. */
  argv: string[]
}

/**
 * Parses an invocation that is plainly valid, the way oclif would, without loading oclif.
 * Returns undefined for anything else (help, version, unknown or repeated flags, missing values or
 * operands): oclif then parses it and produces its own help and errors, so those stay exactly oclif's.
 */
export function fastParse(argv: readonly string[], specs: FlagSpecs, requiredOperands: number, maxOperands = Infinity): FastParsed | undefined {
  const flags: FlagValues = {}
  const operands: string[] = []
  const byChar = new Map<string, [string, FlagSpec]>()
  for (const [name, spec] of Object.entries(specs)) if (spec.char) byChar.set(spec.char, [name, spec])

  const setOption = (name: string, spec: FlagSpec, value: string | undefined): boolean => {
    if (value === undefined || value.startsWith('-')) return false // oclif decides what a dash value means
    if (spec.type !== 'option') return false
    if (spec.multiple) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value]
    else if (name in flags) return false
    else flags[name] = value
    return true
  }

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      operands.push(...argv.slice(i + 1))
      break
    }
    if (arg === '-' || !arg.startsWith('-')) {
      operands.push(arg)
      continue
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq === -1 ? undefined : eq)
      const spec = specs[name]
      if (spec?.type === 'option') {
        if (!setOption(name, spec, eq === -1 ? argv[++i] : arg.slice(eq + 1))) return undefined
        continue
      }
      if (eq !== -1) return undefined
      if (spec?.type === 'boolean') {
        if (name in flags) return undefined
        flags[name] = true
        continue
      }
      const negated = specs[name.replace(/^no-/, '')]
      if (name.startsWith('no-') && negated?.type === 'boolean' && negated.allowNo) {
        const base = name.slice(3)
        if (base in flags) return undefined
        flags[base] = false
        continue
      }
      return undefined // unknown, or --help/--version: oclif's job
    }
    // A short cluster: booleans, then at most one valued flag taking the rest or the next argument.
    for (let j = 1; j < arg.length; j++) {
      const found = byChar.get(arg[j])
      if (!found) return undefined
      const [name, spec] = found
      if (spec.type === 'option') {
        const rest = arg.slice(j + 1)
        if (rest.startsWith('=')) return undefined // oclif strips it in some positions: let oclif decide
        if (!setOption(name, spec, rest === '' ? argv[++i] : rest)) return undefined
        break
      }
      if (name in flags) return undefined
      flags[name] = true
    }
  }
  if (operands.length < requiredOperands || operands.length > maxOperands) return undefined
  for (const [name, spec] of Object.entries(specs)) {
    if (!(name in flags) && spec.type === 'boolean' && spec.default !== undefined) flags[name] = spec.default
  }
  return {flags, argv: operands}
}
