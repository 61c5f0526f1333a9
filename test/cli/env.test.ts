import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {expandEnvFlag, readEnvFile} from '../../src/cli/env.js'
import {tempDir} from '../helpers/temp.js'

t.test('-e NAME takes our value; unset stays bare', async (t) => {
  t.equal(expandEnvFlag('A=1', {A: 'x'}), 'A=1')
  t.equal(expandEnvFlag('A', {A: 'x'}), 'A=x')
  t.equal(expandEnvFlag('B', {}), 'B')
})

t.test('env file: verbatim values, comments, pass-through names', async (t) => {
  const dir = tempDir(t, 'hj-env-')
  const file = join(dir, 'env')
  writeFileSync(file, '\uFEFF# comment\nA=1\n\n  B= spaced "quoted" \nPASS\nMISSING\nC=a=b\n')
  t.same(await readEnvFile(file, {PASS: 'yes'}), ['A=1', 'B= spaced "quoted" ', 'PASS=yes', 'C=a=b'])
  writeFileSync(file, 'BAD NAME=1\n')
  await t.rejects(readEnvFile(file, {}), /contains whitespaces/)
  writeFileSync(file, '=1\n')
  await t.rejects(readEnvFile(file, {}), /no variable name on line 1/)
  await t.rejects(readEnvFile(join(dir, 'nope'), {}), /cannot read env file/)
})
