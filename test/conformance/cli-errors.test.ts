// Usage errors: Docker's words and exit codes, one message, no stack trace. No daemon is contacted.
import t, {type Test} from 'tap'
import {hijack} from '../helpers/cli.js'

const noStack = (t: Test, text: string): void => {
  t.notMatch(text, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace')
}

t.test('unknown flag: exit 125', async (t) => {
  const r = await hijack(['exec', '--bogus', 'c', 'true'])
  t.equal(r.code, 125)
  t.equal(r.stderr.toString(), "unknown flag: --bogus\nSee 'hijack exec --help'.\n")
  const a = await hijack(['attach', '--nope', 'c'])
  t.equal(a.code, 125)
  t.match(a.stderr.toString(), /^unknown flag: --nope\n/)
})

t.test('missing arguments: exit 1 with Docker\'s usage text', async (t) => {
  const r = await hijack(['exec', 'c'])
  t.equal(r.code, 1)
  t.equal(r.stderr.toString(), `"hijack exec" requires at least 2 arguments.
See 'hijack exec --help'.

Usage:  hijack exec [OPTIONS] CONTAINER COMMAND [ARG...]

Execute a command in a running container
`)
  const a = await hijack(['attach'])
  t.equal(a.code, 1)
  t.match(a.stderr.toString(), /^"hijack attach" requires exactly 1 argument\.\n/)
  const extra = await hijack(['attach', 'c', 'd'])
  t.equal(extra.code, 1)
  t.match(extra.stderr.toString(), /^"hijack attach" requires exactly 1 argument\.\n/)
  noStack(t, extra.stderr.toString())
})

t.test('a flag without its value, bad detach keys, bad host, bad env file: exit 125', async (t) => {
  for (const args of [['exec', '-e'], ['exec', '--detach-keys', 'ctrl-', 'c', 'true'],
    ['exec', '-H', 'ssh://me:secret@box', 'c', 'true'], ['exec', '--env-file', '/nonexistent/env', 'c', 'true']]) {
    const r = await hijack(args)
    t.equal(r.code, 125, args.join(' '))
    t.equal(r.stderr.toString().trim().split('\n').length <= 2, true, 'a short message')
    noStack(t, r.stderr.toString())
  }
})

t.test('--env-file naming a missing file: our error, not Node 20\'s own --env-file handling (exit 9)', async (t) => {
  const r = await hijack(['exec', '--env-file', '/nonexistent/hijack.env', 'c', 'true'])
  t.equal(r.code, 125)
  t.match(r.stderr.toString(), /^cannot read env file: .*\/nonexistent\/hijack\.env/)
})

t.test('help still comes from oclif', async (t) => {
  const r = await hijack(['exec', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout.toString(), /USAGE\n\s+\$ hijack exec \[OPTIONS\] CONTAINER COMMAND \[ARG\.\.\.\]/)
  t.match(r.stdout.toString(), /-i, --interactive/)
})
