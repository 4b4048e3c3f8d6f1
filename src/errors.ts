/**
 * An error the user can act on: the message says what was wrong and what to do.
 * The CLI prints these as one line (no stack trace) and exits non-zero.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new UserError(message);
}
