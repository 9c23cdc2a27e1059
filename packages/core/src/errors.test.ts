import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AccessDeniedError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CallFailedError,
  CredentialError,
  GuardFaultError,
  InputValidationError,
  PalisadeError,
  StageTimeoutError,
  TokenExpiredError,
  TokenRevokedError,
} from './errors.js';

describe('errors', () => {
  it('carry stable codes and names', () => {
    expect(new AccessDeniedError('x', { stage: 'decide' }).code).toBe('ERR_ACCESS_DENIED');
    expect(new InputValidationError('t', [{ path: 'a', message: 'bad' }]).code).toBe('ERR_INPUT_INVALID');
    expect(new CredentialError('x').code).toBe('ERR_CREDENTIAL_INVALID');
    expect(new TokenExpiredError('x').code).toBe('ERR_TOKEN_EXPIRED');
    expect(new TokenRevokedError('x').code).toBe('ERR_TOKEN_REVOKED');
    expect(new ApprovalDeniedError('x', {}).code).toBe('ERR_APPROVAL_DENIED');
    expect(new GuardFaultError('x', { stage: 'verify' }).code).toBe('ERR_GUARD_FAULT');
    const pending = new ApprovalRequiredError({
      approvalId: 'a',
      digest: 'd',
      tool: 't',
      callId: 'c',
      expiresAt: 1,
    });
    expect(pending.code).toBe('ERR_APPROVAL_REQUIRED');
    expect(pending.name).toBe('ApprovalRequiredError');
    expect(new TokenExpiredError('x').name).toBe('TokenExpiredError');
  });

  it('isInstance follows the class hierarchy', () => {
    const expired = new TokenExpiredError('expired');
    expect(TokenExpiredError.isInstance(expired)).toBe(true);
    expect(CredentialError.isInstance(expired)).toBe(true);
    expect(AccessDeniedError.isInstance(expired)).toBe(true);
    expect(PalisadeError.isInstance(expired)).toBe(true);
    expect(TokenRevokedError.isInstance(expired)).toBe(false);
    expect(
      AccessDeniedError.isInstance(
        new ApprovalRequiredError({ approvalId: 'a', digest: 'd', tool: 't', callId: 'c', expiresAt: 1 }),
      ),
    ).toBe(false);
    expect(PalisadeError.isInstance(new Error('plain'))).toBe(false);
    expect(PalisadeError.isInstance(null)).toBe(false);
    expect(PalisadeError.isInstance('ERR_ACCESS_DENIED')).toBe(false);
  });

  it('isInstance works on errors from another copy of the package (brand, not prototype)', () => {
    const foreign = Object.assign(new Error('from elsewhere'), {
      [Symbol.for('palisade.error')]: ['GuardFaultError', 'AccessDeniedError', 'PalisadeError'],
      code: 'ERR_GUARD_FAULT',
    });
    expect(GuardFaultError.isInstance(foreign)).toBe(true);
    expect(AccessDeniedError.isInstance(foreign)).toBe(true);
    expect(CredentialError.isInstance(foreign)).toBe(false);
  });

  it('keeps the cause and structured fields', () => {
    const cause = new Error('store down');
    const error = new GuardFaultError('denied', { stage: 'intent', tool: 'refund', callId: 'c1', cause });
    expect(error.cause).toBe(cause);
    expect(error.stage).toBe('intent');
    expect(error.tool).toBe('refund');
    expect(error.callId).toBe('c1');
  });

  it('lists every input issue in the message', () => {
    const error = new InputValidationError('refund', [
      { path: 'amount', message: 'Expected number' },
      { path: 'items[2].sku', message: 'Required' },
    ]);
    expect(error.message).toContain('amount: Expected number');
    expect(error.message).toContain('items[2].sku: Required');
    expect(error.issues).toHaveLength(2);
    expect(error.stage).toBe('validate');
  });

  it('isInstance is a type guard that narrows to the class it is called on', () => {
    const error: unknown = new StageTimeoutError('slow', { stage: 'decide', timeoutMs: 50 });
    if (!StageTimeoutError.isInstance(error)) throw new Error('expected a StageTimeoutError');
    expectTypeOf(error).toEqualTypeOf<StageTimeoutError>();
    expect(error.timeoutMs).toBe(50);
    expect(error.code).toBe('ERR_STAGE_TIMEOUT');
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    const refusal: AccessDeniedError = new AccessDeniedError('no', { stage: 'decide' });
    if (GuardFaultError.isInstance(refusal)) throw new Error('not a fault');
    // The false branch keeps the declared type (it does not collapse to `never`).
    expectTypeOf(refusal).toEqualTypeOf<AccessDeniedError>();
  });

  it('a failure after the body ran is a CallFailedError, which is not a refusal', () => {
    const failed = new CallFailedError('ran', { stage: 'obligation', tool: 'refund' });
    expect(failed.code).toBe('ERR_CALL_FAILED');
    expect(failed.executed).toBe(true);
    expect(PalisadeError.isInstance(failed)).toBe(true);
    expect(AccessDeniedError.isInstance(failed)).toBe(false);
    expect(GuardFaultError.isInstance(failed)).toBe(false);
  });
});
