/** The kinds of sensitive value the built-in detectors find. */
export type EntityType =
  | 'email'
  | 'phone'
  | 'credit-card'
  | 'iban'
  | 'us-ssn'
  | 'ip-address'
  | 'person'
  | 'secret';

/** Every built-in entity type, in the order overlaps are resolved (earlier wins). */
export const ENTITY_TYPES: readonly EntityType[] = Object.freeze([
  'secret',
  'credit-card',
  'iban',
  'us-ssn',
  'ip-address',
  'email',
  'phone',
  'person',
]);

/** One sensitive value found in a text: where it is and which rule found it, never the value itself. */
export interface EntityFinding {
  /** A built-in {@link EntityType} or the type a custom detector declares. */
  readonly type: EntityType | (string & {});
  /** The rule that matched, e.g. `luhn`, `aws-access-key`, `jwt`. */
  readonly rule: string;
  /** Offset of the first character (UTF-16 code units, inclusive). */
  readonly start: number;
  /** Offset after the last character (exclusive). */
  readonly end: number;
}

/**
 * Finds one kind of sensitive value in a text. Detectors must run in time linear in the text's
 * length; a detector that throws makes the whole redaction fail (and the content is withheld).
 *
 * @example
 * ```ts
 * const employeeIds: EntityDetector = {
 *   type: 'employee-id',
 *   find: (text) => [...text.matchAll(/\bEMP-\d{6}\b/g)].map((m) => ({
 *     type: 'employee-id', rule: 'employee-id', start: m.index, end: m.index + m[0].length,
 *   })),
 * };
 * ```
 */
export interface EntityDetector {
  readonly type: EntityType | (string & {});
  find(text: string): Iterable<EntityFinding>;
}
