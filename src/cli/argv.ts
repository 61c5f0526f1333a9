// Shapes argv before oclif parses it, so Docker's conventions hold:
// flags stop at the first operand for exec (`hijack exec c ls -la` passes -la to ls, and --help after
// the command goes to the command), `-H` may come before the command name, and `--flag=true|false`
// works for booleans.

export interface FlagShape {
  /** Long names (without --) of flags that take a value. */
  valuedLong: ReadonlySet<string>
  /** Short chars of flags that take a value. */
  valuedShort: ReadonlySet<string>
  /** Long names of boolean flags. */
  booleans: ReadonlySet<string>
  /** Booleans that also accept --no-NAME. */
  negatable: ReadonlySet<string>
}

export interface CommandShape {
  flags: FlagShape
  /** Stop flag parsing at the first operand (exec), or let flags follow operands (attach). */
  stopAfterOperand: boolean
}

/** Derives the shape from flag definitions (`type: 'option'` takes a value). */
export function flagShape(flags: Record<string, {type: string; char?: string; allowNo?: boolean}>): FlagShape {
  const valuedLong = new Set<string>()
  const valuedShort = new Set<string>()
  const booleans = new Set<string>()
  const negatable = new Set<string>()
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type === 'option') {
      valuedLong.add(name)
      if (flag.char) valuedShort.add(flag.char)
    } else {
      booleans.add(name)
      if (flag.allowNo) negatable.add(name)
    }
  }
  return {valuedLong, valuedShort, booleans, negatable}
}

/** Docker's global connection flags that take a value, and the boolean ones (also as --flag=value). */
const GLOBAL_VALUED = new Set(['-H', '--host', '-c', '--context', '--tlscacert', '--tlscert', '--tlskey'])
const GLOBAL_BOOLEAN = new Set(['--tls', '--tlsverify'])

/** Whether `arg` is a global flag given before the command name, and whether it takes the next arg. */
function globalFlag(arg: string): {takesNext: boolean} | undefined {
  if (GLOBAL_VALUED.has(arg)) return {takesNext: true}
  if (GLOBAL_BOOLEAN.has(arg)) return {takesNext: false}
  const eq = arg.indexOf('=')
  if (arg.startsWith('--') && eq !== -1) {
    const name = arg.slice(0, eq)
    if (GLOBAL_VALUED.has(name) || GLOBAL_BOOLEAN.has(name)) return {takesNext: false}
  }
  if (/^-[Hc]./.test(arg)) return {takesNext: false}
  return undefined
}

/**
 * Normalises `[command, ...rest]`: moves leading global flags (`-H X`, `--context X`, `--tlsverify`...)
 * behind the command name, and for commands
 * with operands puts a `--` before the first operand so nothing after it is read as our flag.
 */
export function normalizeArgv(argv: readonly string[], shapes: Record<string, CommandShape>): string[] {
  const out = [...argv]
  const moved: string[] = []
  for (let global = out.length > 0 ? globalFlag(out[0]) : undefined; global; global = out.length > 0 ? globalFlag(out[0]) : undefined) {
    moved.push(out.shift() as string)
    if (global.takesNext && out.length > 0) moved.push(out.shift() as string)
  }
  const [command, ...rest] = out
  const shape = command === undefined ? undefined : shapes[command]
  if (!shape) return moved.length > 0 && command !== undefined ? [command, ...moved, ...rest] : [...out, ...moved]
  return [command, ...shapeArgs([...moved, ...rest], shape)]
}

/**
 * Walks the flags of shaped args (skipping flag values, so a value that is `--` is not mistaken for the
 * separator) and returns what follows the separator: exec's operands.
 */
export function operandsAfterSeparator(args: readonly string[], shape: CommandShape): string[] {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return args.slice(i + 1)
    i += valueArgsAfter(args[i], args, i, shape.flags)
  }
  return []
}

/** How many following arguments a flag token consumes as its value (0 or 1). */
function valueArgsAfter(arg: string, args: readonly string[], i: number, flags: FlagShape): number {
  if (!arg.startsWith('-') || arg === '-' || i + 1 >= args.length) return 0
  if (arg.startsWith('--')) return !arg.includes('=') && flags.valuedLong.has(arg.slice(2)) ? 1 : 0
  for (let j = 1; j < arg.length; j++) {
    if (flags.valuedShort.has(arg[j])) return j === arg.length - 1 ? 1 : 0
  }
  return 0
}

function shapeArgs(args: readonly string[], shape: CommandShape): string[] {
  const {booleans, negatable} = shape.flags
  const shaped: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') return [...shaped, '--', ...args.slice(i + 1)]
    if (arg === '-' || !arg.startsWith('-')) {
      if (shape.stopAfterOperand) return [...shaped, '--', ...args.slice(i)]
      shaped.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.startsWith('--') && eq !== -1 ? arg.slice(2, eq) : undefined
    if (name !== undefined && booleans.has(name)) {
      // oclif booleans take no value: map Docker's --flag=true|false onto its forms.
      const value = arg.slice(eq + 1).toLowerCase()
      if (value === 'true' || value === '1') shaped.push(`--${name}`)
      else if ((value === 'false' || value === '0') && negatable.has(name)) shaped.push(`--no-${name}`)
      else if (value !== 'false' && value !== '0') shaped.push(arg) // oclif reports the bad value
      // --flag=false on a flag that is off by default: nothing to pass
      continue
    }
    shaped.push(arg)
    if (valueArgsAfter(arg, args, i, shape.flags) === 1) shaped.push(args[++i])
  }
  return shaped
}
