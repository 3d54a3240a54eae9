/** Test helper: the error a promise rejects with (a resolution fails the test). */
import type { SquallError } from '../../engine/core/errors.js';

export const rejection = (p: Promise<unknown>): Promise<SquallError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: SquallError) => e,
  );
