/** An error the API answered with: `{"error":{"code","message","field"?}}` and its HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** The server may or may not have acted (5xx, gateway errors): a retry with the same key is safe. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408;
  }
}

/** The request never got an answer (offline, DNS, connection reset, timeout). */
export class NetworkError extends Error {
  readonly code = 'network_error';
  readonly retryable = true;

  constructor(message = 'Could not reach the shop. Check your connection and try again.') {
    super(message);
    this.name = 'NetworkError';
  }
}

export function isRetryable(err: unknown): boolean {
  return (err instanceof ApiError || err instanceof NetworkError) && err.retryable;
}
