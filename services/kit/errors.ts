/**
 * The one error type of the platform. Anything thrown in a route or use case that is not an AppError becomes a
 * 500 whose details stay in the log; an AppError becomes the problem+json answer it describes.
 */

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** Extra response headers, such as `Retry-After` or `WWW-Authenticate`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export class AppError extends Error {
  readonly status: number;
  /** Short, stable, kebab-case code; becomes the problem `type` URI. */
  readonly code: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, options: AppErrorOptions = {}) {
    super(options.detail ?? TITLES[status] ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  get title(): string {
    return TITLES[this.status] ?? 'Error';
  }

  static validation(errors: readonly FieldError[], detail = 'The request is not valid.'): AppError {
    return new AppError(400, 'validation-failed', { detail, errors });
  }

  static badRequest(detail: string, code = 'bad-request'): AppError {
    return new AppError(400, code, { detail });
  }

  static unauthorized(detail = 'A valid bearer token is required.', invalidToken = false): AppError {
    const challenge = invalidToken ? 'Bearer error="invalid_token"' : 'Bearer';
    return new AppError(401, 'unauthorized', { detail, headers: { 'WWW-Authenticate': challenge } });
  }

  static forbidden(detail = 'You are not allowed to do this.'): AppError {
    return new AppError(403, 'forbidden', { detail });
  }

  static notFound(detail = 'The resource does not exist.'): AppError {
    return new AppError(404, 'not-found', { detail });
  }

  static conflict(detail: string, code = 'conflict'): AppError {
    return new AppError(409, code, { detail });
  }

  static unprocessable(detail: string, code = 'unprocessable'): AppError {
    return new AppError(422, code, { detail });
  }

  static unavailable(detail: string, retryAfterSeconds: number, cause?: unknown): AppError {
    return new AppError(503, 'service-unavailable', {
      detail,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      cause,
    });
  }
}
