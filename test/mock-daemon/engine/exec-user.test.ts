// `User` resolution against busybox's passwd and group files; each expected value is what dockerd 20.10
// gave for the same -u in a busybox container (`id` inside it), the errors word for word.
import t from 'tap'
import {UserLookupError, resolveUser} from '../../../src/mock-daemon/engine/exec-user.js'

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'
const GROUP = 'root:x:0:\nnogroup:x:65534:\n'
const resolve = (spec: string) => resolveUser(spec, PASSWD, GROUP)

/** The UserLookupError's message `spec` is refused with (what the exec prints), or what happened instead. */
function refusal(spec: string, passwd = PASSWD, group = GROUP): string {
  try {
    return `resolved: ${JSON.stringify(resolveUser(spec, passwd, group))}`
  } catch (error) {
    return error instanceof UserLookupError ? error.message : `another error: ${error}`
  }
}

t.test('names and numbers, with and without a group, as dockerd resolved them', async (t) => {
  t.same(resolve('nobody'), {uid: 65534, gid: 65534, home: '/nonexistent'})
  t.same(resolve('65534'), {uid: 65534, gid: 65534, home: '/nonexistent'}, 'a known uid gets its entry')
  t.same(resolve('1234'), {uid: 1234, gid: 0, home: '/'}, 'an unknown uid stands for itself, group root')
  t.same(resolve('1234:5678'), {uid: 1234, gid: 5678, home: '/'})
  t.same(resolve('nobody:nogroup'), {uid: 65534, gid: 65534, home: '/nonexistent'})
  t.same(resolve('nobody:0'), {uid: 65534, gid: 0, home: '/nonexistent'})
  t.same(resolve('nobody:'), {uid: 65534, gid: 65534, home: '/nonexistent'}, 'an empty group: the user\'s own')
  t.same(resolve(':5'), {uid: 0, gid: 5, home: '/root'}, 'an empty user: root')
  t.same(resolve('root'), {uid: 0, gid: 0, home: '/root'})
})

t.test('unknown names and ids out of range: dockerd\'s words', async (t) => {
  t.equal(refusal('nosuchuser'), 'unable to find user nosuchuser: no matching entries in passwd file')
  t.equal(refusal('nosuchuser:1'), 'unable to find user nosuchuser: no matching entries in passwd file')
  t.equal(refusal('0:nosuchgroup'), 'unable to find group nosuchgroup: no matching entries in group file')
  t.equal(refusal('1234:nosuchgroup'), 'unable to find group nosuchgroup: no matching entries in group file')
  t.equal(refusal('-1'), 'uids and gids must be in range 0-2147483647')
  t.equal(refusal('0:2147483648'), 'uids and gids must be in range 0-2147483647')
})

t.test('missing or odd files: numbers still work, names do not', async (t) => {
  t.same(resolveUser('42:7', '', ''), {uid: 42, gid: 7, home: '/'})
  t.equal(refusal('root', '', ''), 'unable to find user root: no matching entries in passwd file')
  t.same(resolveUser('svc', '# comment\nbroken line\nsvc:x:notanumber:1::/x:/bin/sh\nsvc:x:500:501::/srv:/bin/sh\n', ''),
    {uid: 500, gid: 501, home: '/srv'}, 'malformed lines are skipped')
})
