/** Why an HTTP request got no answer, in the terms a user acts on. */
/** `stopped`: this side gave up the request as it stopped (listen shutting down, a pool closed). */
export type NetworkFailure = 'refused' | 'timeout' | 'reset' | 'dns' | 'stopped' | 'other';

/** Classifies an undici or Node network error. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const err = error as { name?: string; code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  const timeouts = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'];
  if (err.name === 'TimeoutError' || timeouts.includes(code ?? '')) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNABORTED' || code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_ABORTED') return 'stopped';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
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
    default:
      return `request to ${url.host} failed: ${(error as Error)?.message ?? String(error)}`;
  }
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
