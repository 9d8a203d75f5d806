/** Why an HTTP request got no answer, in the terms a user acts on. */
/**
 * `stopped`: this side gave up the request as it stopped (listen shutting down, a pool closed).
 * `tls-untrusted`: an https target's certificate is not trusted (self-signed, an unknown CA such as
 * mkcert's, expired, another name). `tls-plain-http`: an https target answered in plain HTTP.
 */
export type NetworkFailure =
  'refused' | 'timeout' | 'reset' | 'dns' | 'stopped' | 'tls-untrusted' | 'tls-plain-http' | 'other';

// Node's and OpenSSL's codes for a certificate that does not verify.
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
// What OpenSSL says when the first bytes back are not TLS (an HTTP answer to a ClientHello).
const PLAIN_HTTP = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** Classifies an undici or Node network error. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const err = error as { name?: string; code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  const timeouts = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'];
  if (err.name === 'TimeoutError' || timeouts.includes(code ?? '')) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNABORTED' || code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_ABORTED') return 'stopped';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code !== undefined && UNTRUSTED.has(code)) return 'tls-untrusted';
  if (code !== undefined && PLAIN_HTTP.has(code)) return 'tls-plain-http';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED')
    return 'reset';
  return 'other';
}

/** A message for people about a failed request to `url`. */
export function describeNetworkFailure(failure: NetworkFailure, url: URL, timeoutMs: number, error: unknown): string {
  switch (failure) {
    case 'timeout':
      return `no response from ${url.host} within ${formatDuration(timeoutMs)}`;
    case 'refused':
      return `connection refused by ${url.host}`;
    case 'dns':
      return `cannot resolve the host ${url.hostname}`;
    case 'reset':
      return `${url.host} closed the connection before answering`;
    case 'stopped':
      return `stopped before ${url.host} answered`;
    case 'tls-untrusted':
      return `the certificate of ${url.host} is not trusted (${(error as Error)?.message ?? 'it does not verify'})`;
    case 'tls-plain-http':
      return `${url.host} answered in plain HTTP, not TLS`;
    default:
      return `request to ${url.host} failed: ${(error as Error)?.message ?? String(error)}`;
  }
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
