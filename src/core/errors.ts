/** A problem with the user's input or configuration: the message is shown as-is in the UI. */
export class LabError extends Error {
  /** What the user can do about it (shown under the message). */
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'LabError';
    this.hint = hint;
  }
}

/** Errors crossing a worker boundary travel as plain objects. */
export interface SerializedError {
  name: string;
  message: string;
  hint?: string;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, hint: (e as LabError).hint, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  const e = s.name === 'LabError' ? new LabError(s.message, s.hint) : new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
