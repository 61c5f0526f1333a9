// `.ci/run` runs the suite once per Node line with that line's bin first on PATH and HIJACK_NODE_LINE
// set to its major: this proves the run really is on that line, in tap's own process and in the
// `hijack` children that bin/run.cjs starts through `env node`.
import t from 'tap'
import {hijack} from '../helpers/cli.js'

const line = process.env.HIJACK_NODE_LINE

t.test('the tests and the hijack they start run on the Node line asked for', async (t) => {
  const r = await hijack(['--version'])
  t.equal(r.code, 0, r.stderr.toString())
  const child = /node-v(\d+)\./.exec(r.stdout.toString())?.[1]
  t.comment(`tap on Node ${process.versions.node}; hijack --version says: ${r.stdout.toString().trim()}`)
  t.equal(child, process.versions.node.split('.')[0], 'bin/run.cjs starts the same node as the tests')
  if (line === undefined) {
    if (process.env.CI === 'true') t.fail('CI=true but HIJACK_NODE_LINE is unset: .ci/run names the line it runs')
    return
  }
  t.equal(process.versions.node.split('.')[0], line, `tap runs on Node ${line}`)
})
