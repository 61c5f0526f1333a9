// TLS settings of Docker's default context, from flags and environment the way docker/cli's
// ClientOptions resolves them (cli/flags/options.go), and reading the PEM files they name.
import {existsSync as exists, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {TlsError} from './errors.js'
import type {TlsConfig} from './host.js'

export interface TlsFlags {
  tls?: boolean
  /** undefined when not given; false when given as --tlsverify=false (which still turns TLS on, as in Docker). */
  tlsverify?: boolean
  tlscacert?: string
  tlscert?: string
  tlskey?: string
}

/** Reads one PEM file; a missing or unreadable file is a TlsError naming it. */
export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new TlsError(`could not read ${what} "${path}": ${reason}`)
  }
}


/**
 * TLS for the default context, or undefined for plain connections. Docker's rules: DOCKER_TLS_VERIFY
 * (any non-empty value) or --tlsverify turns verification on; --tlsverify given at all, --tls or
 * DOCKER_TLS turns TLS on; files default to ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, else the
 * config directory. The CA file must exist; a default cert or key that is absent is simply not sent.
 */
export function defaultContextTls(flags: TlsFlags, env: NodeJS.ProcessEnv, configDir: string): TlsConfig | undefined {
  const verify = flags.tlsverify ?? Boolean(env.DOCKER_TLS_VERIFY)
  const enabled = flags.tlsverify !== undefined || verify || (flags.tls ?? Boolean(env.DOCKER_TLS))
  if (!enabled) return undefined
  const certPath = env.DOCKER_CERT_PATH || configDir
  const ca = readPem(flags.tlscacert ?? join(certPath, 'ca.pem'), 'the CA certificate')
  const certFile = flags.tlscert ?? (exists(join(certPath, 'cert.pem')) ? join(certPath, 'cert.pem') : undefined)
  const keyFile = flags.tlskey ?? (exists(join(certPath, 'key.pem')) ? join(certPath, 'key.pem') : undefined)
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new TlsError(`a client certificate needs its key and a key its certificate: got only ${certFile ? `--tlscert ${certFile}` : `--tlskey ${keyFile}`}`)
  }
  return {
    verify,
    ca,
    ...(certFile !== undefined && {cert: readPem(certFile, 'the client certificate')}),
    ...(keyFile !== undefined && {key: readPem(keyFile, 'the client key')}),
  }
}
