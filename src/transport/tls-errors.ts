// TLS failures in plain words: Node's (OpenSSL's) codes say what broke, not what to do about it.
import {DaemonError, TlsError} from './errors.js'
import type {DockerHost} from './host.js'

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
])
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST'])
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
])

/** A TLS handshake failure as a TlsError, or undefined when `error` is not one. */
export function describeTlsError(host: DockerHost, error: NodeJS.ErrnoException): TlsError | undefined {
  if (host.kind !== 'tcp' || !host.tls) return undefined
  const code = error.code ?? ''
  const at = `the daemon at ${host.url}`
  if (UNKNOWN_CA.has(code)) {
    return new TlsError(`${at} presented a certificate signed by an unknown authority (not the CA given by --tlscacert, ca.pem or the context) [${code}]`)
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TlsError(`${at} presented a certificate that is not valid for "${host.hostname}": ${error.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`)
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new TlsError(`${at} presented a certificate that ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}`)
  }
  if (NOT_TLS.has(code) || /wrong version number|packet length too long|http request/i.test(error.message)) {
    return new TlsError(`${at} does not speak TLS (is it a plain port?): drop --tls/--tlsverify and DOCKER_TLS_VERIFY, or use its TLS port`)
  }
  if (CLIENT_CERT_REFUSED.has(code) || /alert certificate required|alert bad certificate/i.test(error.message)) {
    return new TlsError(`${at} refused our client certificate (or we sent none): give --tlscert and --tlskey signed by the CA it trusts [${code}]`)
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return new TlsError(`TLS with ${at} failed: ${error.message}`)
  }
  return undefined
}

/** Go's TLS server answers plain HTTP with this 400: the user meant TLS. */
export function plainHttpToTlsPort(host: DockerHost, error: unknown): TlsError | undefined {
  if (!(error instanceof DaemonError) || error.statusCode !== 400) return undefined
  if (!/HTTP request to an HTTPS server/i.test(error.daemonMessage)) return undefined
  return new TlsError(`the daemon at ${host.url} speaks TLS: use --tlsverify with its CA (--tlscacert), or --tls`)
}
