// Certificates for TLS tests, made with openssl in a temporary directory: a CA, a server certificate
// for 127.0.0.1 and a client certificate signed by it; a second, unrelated CA; and a server certificate
// (signed by the first CA) for a name that is not 127.0.0.1.
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface TestCerts {
  dir: string
  ca: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
  otherCa: string
  wrongNameCert: string
  wrongNameKey: string
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
}

/** Signs `name`-key.pem / `name`-cert.pem with ca.pem; `ext` is the v3 extension text. */
function issue(dir: string, name: string, subject: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject])
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
    '-days', '2', '-sha256', '-out', `${name}-cert.pem`, '-extfile', `${name}.ext`])
}

/** Makes every certificate in `dir` (about a second of openssl). */
export function makeTestCerts(dir: string): TestCerts {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hijack test CA'])
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca-key.pem', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=unrelated CA'])
  issue(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  issue(dir, 'client', '/CN=hijack client', 'extendedKeyUsage=clientAuth\n')
  issue(dir, 'wrong-name', '/CN=daemon.invalid', 'subjectAltName=DNS:daemon.invalid\nextendedKeyUsage=serverAuth\n')
  const f = (name: string): string => join(dir, name)
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server-cert.pem'),
    serverKey: f('server-key.pem'),
    clientCert: f('client-cert.pem'),
    clientKey: f('client-key.pem'),
    otherCa: f('other-ca.pem'),
    wrongNameCert: f('wrong-name-cert.pem'),
    wrongNameKey: f('wrong-name-key.pem'),
  }
}
