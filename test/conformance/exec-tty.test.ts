// `hijack exec -t` in a real pseudo-terminal (tmux): raw mode, console size, resize, detach keys.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {HIJACK_BIN, dockerCli, hijack} from '../helpers/cli.js'
import {TARGETS} from '../helpers/targets.js'
import {tempDir} from '../helpers/temp.js'
import {TmuxSession, detachWithDefaultKeys, reportingShell} from '../helpers/tmux.js'

const BOX = 'ttybox'
/** A root shell's prompt: typing before it shows would race the shell's start. */
const PROMPT = /# $/m
const node = `env -u NODE_EXTRA_CA_CERTS ${process.execPath} ${HIJACK_BIN}`

for (const [name, start] of TARGETS) {
  t.test(`exec -t on ${name}`, async (t) => {
    const target = await start(t, [{name: BOX, cmd: ['sleep', '1000000']}])
    if (!target) return
    const exec = `${node} exec -H ${target.host}`

    t.test('interactive shell: size at start, resize, exit code, terminal restored', async (t) => {
      const tmux = await TmuxSession.start(reportingShell(`${exec} -it ${BOX} sh`), {cols: 90, rows: 30})
      t.teardown(() => tmux.kill())
      await tmux.waitFor(PROMPT)
      await tmux.type('echo "size=$(stty size)" ; tty')
      let screen = await tmux.waitFor(/size=\d+ \d+/)
      t.match(screen, /size=30 90/, 'the console size is set when the exec starts')
      t.match(screen, /\/dev\/pts\/\d+/, 'the command has a terminal')
      await tmux.resize(120, 40)
      await tmux.type('echo "resized=$(stty size)"')
      screen = await tmux.waitFor(/resized=\d+ \d+/)
      t.match(screen, /resized=40 120/, 'a terminal size change reaches the command')
      await tmux.type('exit 3')
      screen = await tmux.waitFor(/TERM=\w+/)
      t.match(screen, /EXIT=3/)
      t.match(screen, /TERM=cooked/, 'raw mode undone on exit')
    })

    t.test('detach keys: default ctrl-p,ctrl-q', async (t) => {
      const tmux = await TmuxSession.start(reportingShell(`${exec} -it ${BOX} sh`))
      t.teardown(() => tmux.kill())
      await tmux.waitFor(PROMPT)
      await tmux.type('echo ready')
      await tmux.waitFor(/^ready/m)
      await detachWithDefaultKeys(t, tmux)
    })

    t.test('detach keys: --detach-keys, and a held prefix that is not the sequence is passed on', async (t) => {
      const tmux = await TmuxSession.start(reportingShell(`${exec} -it --detach-keys q,z ${BOX} sh`))
      t.teardown(() => tmux.kill())
      await tmux.waitFor(PROMPT)
      await tmux.type('echo ready')
      await tmux.waitFor(/^ready/m)
      // Each "q" is held until the next key shows it is not the sequence, then passed on.
      await tmux.type('echo "aq-qq.q"')
      await tmux.waitFor(/^aq-qq\.q$/m)
      await tmux.send('q', true)
      await tmux.send('z', true)
      const screen = await tmux.waitFor(/TERM=\w+/)
      t.match(screen, /read escape sequence/)
      t.match(screen, /EXIT=1/)
    })

    t.test('detach keys from $DOCKER_CONFIG/config.json', async (t) => {
      const config = tempDir(t, 'hj-cfg-')
      writeFileSync(join(config, 'config.json'), JSON.stringify({detachKeys: 'ctrl-x,z'}))
      const tmux = await TmuxSession.start(reportingShell(`DOCKER_CONFIG=${config} ${exec} -it ${BOX} sh`))
      t.teardown(() => tmux.kill())
      await tmux.waitFor(PROMPT)
      await tmux.type('echo ready')
      await tmux.waitFor(/^ready/m)
      await tmux.send('C-x')
      await tmux.send('z', true)
      const screen = await tmux.waitFor(/TERM=\w+/)
      t.match(screen, /read escape sequence/)
      t.match(screen, /EXIT=1/)
    })

    t.test('-it with stdin that is not a terminal: Docker\'s error', async (t) => {
      const ours = await hijack(['exec', '-H', target.host, '-it', BOX, 'true'], {input: ''})
      const theirs = await dockerCli(target.host, ['exec', '-it', BOX, 'true'], {input: ''})
      t.equal(ours.code, 1)
      t.equal(ours.code, theirs.code)
      t.equal(ours.stderr.toString(), 'cannot attach stdin to a TTY-enabled container because stdin is not a terminal\n')
      t.match(theirs.stderr.toString(), /stdin is not a terminal|input device is not a TTY/)
    })

    t.test('-t without -i: raw output, same bytes as docker', async (t) => {
      const ours = await hijack(['exec', '-H', target.host, '-t', BOX, 'sh', '-c', 'printf "a\\nb\\n"; echo err >&2'])
      const theirs = await dockerCli(target.host, ['exec', '-t', BOX, 'sh', '-c', 'printf "a\\nb\\n"; echo err >&2'])
      t.equal(ours.code, 0)
      t.equal(theirs.code, 0)
      t.equal(ours.stdout.toString(), theirs.stdout.toString())
      t.equal(ours.stderr.toString(), '')
      // The terminal's line discipline turns each \n into \r\n, on the mock's pty as on dockerd's (checked
      // on dockerd 20.10; podman is held to docker's bytes only).
      if (target.name === 'podman') t.match(ours.stdout.toString(), /a\r?\nb\r?\nerr/, 'stderr merged into the TTY stream')
      else t.equal(ours.stdout.toString(), 'a\r\nb\r\nerr\r\n', 'stderr merged into the TTY stream')
    })
  })
}
