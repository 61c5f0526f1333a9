import t from 'tap'
import {normalizeArgv, operandsAfterSeparator} from '../../src/cli/argv.js'
import {COMMAND_SHAPES} from '../../src/main.js'

const norm = (...argv: string[]): string[] => normalizeArgv(argv, COMMAND_SHAPES)

t.test('flags stop at the container: the rest belongs to the command', async (t) => {
  t.same(norm('exec', 'c', 'ls', '-la', '/'), ['exec', '--', 'c', 'ls', '-la', '/'])
  t.same(norm('exec', '-it', 'c', 'sh', '--help'), ['exec', '-it', '--', 'c', 'sh', '--help'])
  t.same(norm('exec', '-e', 'A=1', '-u', 'nobody', 'c', 'env'), ['exec', '-e', 'A=1', '-u', 'nobody', '--', 'c', 'env'])
  t.same(norm('exec', '-ie', 'A=1', 'c', 'env'), ['exec', '-ie', 'A=1', '--', 'c', 'env'], 'valued flag last in a cluster takes the next arg')
  t.same(norm('exec', '-eA=1', 'c', 'env'), ['exec', '-eA=1', '--', 'c', 'env'], 'valued flag with attached value')
  t.same(norm('exec', '--workdir', '/tmp', 'c', 'pwd'), ['exec', '--workdir', '/tmp', '--', 'c', 'pwd'])
  t.same(norm('exec', '--env=X', 'c', 'env'), ['exec', '--env=X', '--', 'c', 'env'])
  t.same(norm('exec', '--', 'c', '-x'), ['exec', '--', 'c', '-x'])
  t.same(norm('exec', '--help'), ['exec', '--help'], 'help without operands still reaches oclif')
})

t.test('-H before the command name moves behind it', async (t) => {
  t.same(norm('-H', 'unix:///x.sock', 'exec', 'c', 'true'), ['exec', '-H', 'unix:///x.sock', '--', 'c', 'true'])
  t.same(norm('--host=unix:///x.sock', 'attach', 'c'), ['attach', '--host=unix:///x.sock', 'c'])
  t.same(norm('--help'), ['--help'])
})

t.test('boolean --flag=true|false', async (t) => {
  t.same(norm('attach', '--sig-proxy=false', 'c'), ['attach', '--no-sig-proxy', 'c'])
  t.same(norm('attach', '--sig-proxy=true', 'c'), ['attach', '--sig-proxy', 'c'])
  t.same(norm('exec', '--interactive=false', '--tty=true', 'c', 'sh'), ['exec', '--tty', '--', 'c', 'sh'], 'off-by-default flag =false is dropped')
  t.same(norm('attach', '--no-stdin=false', 'c'), ['attach', 'c'])
  t.same(norm('attach', '--no-stdin=true', 'c'), ['attach', '--no-stdin', 'c'])
  t.same(norm('exec', '--tty=maybe', 'c', 'sh'), ['exec', '--tty=maybe', '--', 'c', 'sh'], 'a bad value is left for oclif to reject')
})

t.test('attach flags may follow the container, and are shaped there too', async (t) => {
  t.same(norm('attach', 'c', '--no-stdin'), ['attach', 'c', '--no-stdin'])
  t.same(norm('attach', 'c', '--sig-proxy=false'), ['attach', 'c', '--no-sig-proxy'])
  t.same(norm('attach', 'c', '--detach-keys', 'ctrl-x'), ['attach', 'c', '--detach-keys', 'ctrl-x'])
})

t.test('exec operands are found after the separator, not after a flag value that is --', async (t) => {
  const shaped = norm('exec', '-w', '--', 'c', 'pwd').slice(1)
  t.same(shaped, ['-w', '--', '--', 'c', 'pwd'])
  t.same(operandsAfterSeparator(shaped, COMMAND_SHAPES.exec), ['c', 'pwd'])
  t.same(operandsAfterSeparator(norm('exec', '-ie', 'A=1', 'c', 'echo', 'c', '--', 'c').slice(1), COMMAND_SHAPES.exec), ['c', 'echo', 'c', '--', 'c'])
  t.same(operandsAfterSeparator(norm('exec', '--env', 'X', 'c', 'true').slice(1), COMMAND_SHAPES.exec), ['c', 'true'])
})
