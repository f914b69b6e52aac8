/**
 * Typed errors raised by services. The error middleware (lib/http-errors.ts) is the one place
 * that maps them to HTTP statuses; routes and services never pick status codes.
 */
export type FieldErrors = Record<string, string>;

export abstract class AppError extends Error {
  /** i18n key of the message shown to the user. */
  abstract readonly messageKey: string;
  readonly params: Record<string, string | number>;
  constructor(message: string, params: Record<string, string | number> = {}) {
    super(message);
    this.name = new.target.name;
    this.params = params;
  }
}

/** Input failed validation; `fields` maps field name → already-translated message. */
export class ValidationError extends AppError {
  readonly messageKey = 'errors.validation';
  constructor(public readonly fields: FieldErrors, message = 'validation failed') {
    super(message);
  }
}
export class NotSignedInError extends AppError {
  readonly messageKey = 'errors.not_signed_in';
}
export class ForbiddenError extends AppError {
  readonly messageKey = 'errors.forbidden';
}
export class NotFoundError extends AppError {
  readonly messageKey = 'errors.not_found';
}
/** The request conflicts with current state (e.g. e-mail already registered). */
export class ConflictError extends AppError {
  constructor(public readonly messageKey: string, params: Record<string, string | number> = {}) {
    super(messageKey, params);
  }
}
/** A business rule refused the action; messageKey says which. */
export class RuleViolationError extends AppError {
  constructor(public readonly messageKey: string, params: Record<string, string | number> = {}) {
    super(messageKey, params);
  }
}
export class TooManyAttemptsError extends AppError {
  constructor(public readonly messageKey: string, public readonly retryAfterSeconds: number) {
    super(messageKey, { minutes: Math.ceil(retryAfterSeconds / 60) });
  }
}
export class CsrfError extends AppError {
  readonly messageKey = 'errors.csrf';
}
export class ServiceUnavailableError extends AppError {
  readonly messageKey = 'errors.unavailable';
}

export const httpStatusOf = (err: AppError): number => {
  if (err instanceof ValidationError) return 422;
  if (err instanceof NotSignedInError) return 401;
  if (err instanceof ForbiddenError || err instanceof CsrfError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof RuleViolationError) return 422;
  if (err instanceof TooManyAttemptsError) return 429;
  if (err instanceof ServiceUnavailableError) return 503;
  return 500;
};
