// Properties of env files (src/cli/env.ts): any file content gives entries or a UsageError, and a file
// written from entries (with comments, blank lines, CRLF or LF, a BOM) reads back to them.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import {readEnvFile} from '../../src/cli/env.js'
import {UsageError} from '../../src/transport/errors.js'
import {tempDir} from '../helpers/temp.js'
import {check} from './fuzz-config.js'

t.test('env files: entries or a UsageError, and written entries read back', async (t) => {
  const dir = tempDir(t, 'hj-envfuzz-')
  const file = join(dir, 'env')
  const env = {FROM_ENV: 'outer value', EMPTY: ''}
  const content = fc.oneof(
    fc.string({maxLength: 60}),
    fc.array(fc.constantFrom('A=1', '#c', '', ' ', '=x', 'B C=1', 'FROM_ENV', 'UNSET', '\uFEFFX=1', 'Y= spaced ', '\r', '\t', 'a=b=c'), {maxLength: 6}).map((l) => l.join('\n')),
  )
  await check(t, 'env: typed errors', fc.asyncProperty(content, async (text) => {
    writeFileSync(file, text)
    try {
      const entries = await readEnvFile(file, env)
      return entries.every((e) => e.includes('='))
    } catch (error) {
      if (error instanceof UsageError) return true
      throw error
    }
  }), 60, 5000)

  const name = fc.string({unit: fc.constantFrom(...'ABCxyz_09.-'.split('')), minLength: 1, maxLength: 10}).filter((n) => !n.startsWith('#'))
  // Values are taken verbatim (no quote handling), inner and trailing spaces included; no line breaks.
  const value = fc.string({unit: fc.constantFrom(...'ab =#"\' \t$ü'.split('')), maxLength: 12})
  const line = fc.oneof(
    {weight: 4, arbitrary: fc.tuple(name, value).map(([n, v]) => ({text: `${n}=${v}`, entry: `${n}=${v}`}))},
    {weight: 1, arbitrary: fc.constantFrom({text: '# a comment', entry: undefined}, {text: '', entry: undefined}, {text: '   ', entry: undefined},
      {text: 'FROM_ENV', entry: 'FROM_ENV=outer value'}, {text: 'EMPTY', entry: 'EMPTY='}, {text: 'UNSET', entry: undefined})},
  )
  await check(t, 'env: round-trip', fc.asyncProperty(fc.array(line, {maxLength: 8}), fc.constantFrom('\n', '\r\n'), fc.boolean(), async (lines, eol, bom) => {
    writeFileSync(file, `${bom ? '\uFEFF' : ''}${lines.map((l) => l.text).join(eol)}${eol}`)
    const got = await readEnvFile(file, env)
    return JSON.stringify(got) === JSON.stringify(lines.flatMap((l) => (l.entry === undefined ? [] : [l.entry])))
  }), 60, 5000)
})
