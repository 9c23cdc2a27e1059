import { canonicalJson } from '@palisade/core';
import { z } from 'zod/v4';
import { isReviewRequest, type ReviewRequest } from '../approval-interrupt.js';

/** The private state field (LangChain keeps `_` fields out of the agent's input and output). */
export const REVIEW_STATE_KEY = '_palisadeReview' as const;

/**
 * The review of one model step, written by the middleware's `afterModel` node once the step's
 * calls were proposed, and so checkpointed before the graph pauses: a re-run of a tool task after a
 * resume (in any process) finds the request here and pauses on it, never proposing again.
 */
export interface StepReview {
  /** The step's reviewed calls, by tool call id: their place in the review and what they are. */
  readonly calls: Readonly<Record<string, { readonly index: number; readonly fingerprint: string }>>;
  readonly request: ReviewRequest;
}

/** What the middleware keeps in the checkpoint for a run that paused on a review. */
export interface ReviewState {
  readonly review?: StepReview | undefined;
  /**
   * The run's credential, from the step that paused on a review until the run ends
   * (`review.checkpointCredential`), so that a run resumed without `context` verifies it again on
   * every call. Never in the interrupt or the agent's output.
   */
  readonly credential?: string | undefined;
}

/**
 * The middleware's state schema: one private field holding a review state, or `null` once cleared.
 * LangChain reads middleware state schemas as zod objects.
 */
export function createReviewStateSchema() {
  return z.object({
    _palisadeReview: z
      .custom<ReviewState | null>((value) => value === null || isReviewState(value), {
        message: 'Expected a Palisade review state',
      })
      .optional(),
  });
}

/** The review a call of the current step is part of, if its id and content match a reviewed call. */
export function reviewOf(
  state: unknown,
  toolCall: { readonly id?: string | undefined; readonly name: string; readonly args: unknown },
): { readonly review: StepReview; readonly index: number } | undefined {
  const review = readReviewState(state)?.review;
  if (review === undefined || toolCall.id === undefined) return undefined;
  const entry = Object.hasOwn(review.calls, toolCall.id) ? review.calls[toolCall.id] : undefined;
  if (entry === undefined || entry.fingerprint !== fingerprintOf(toolCall.name, toolCall.args))
    return undefined;
  return { review, index: entry.index };
}

/** The review state of the agent state, or `undefined`. */
export function readReviewState(state: unknown): ReviewState | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const value = (state as Record<string, unknown>)[REVIEW_STATE_KEY];
  return isReviewState(value) ? value : undefined;
}

/** What a reviewed call is: its tool and canonical arguments. */
export function fingerprintOf(name: string, args: unknown): string {
  return canonicalJson({ name, args });
}

function isReviewState(value: unknown): value is ReviewState {
  if (typeof value !== 'object' || value === null) return false;
  const { review, credential } = value as Record<string, unknown>;
  return (
    (credential === undefined || typeof credential === 'string') &&
    (review === undefined || isStepReview(review))
  );
}

function isStepReview(value: unknown): value is StepReview {
  if (typeof value !== 'object' || value === null) return false;
  const { calls, request } = value as Record<string, unknown>;
  return typeof calls === 'object' && calls !== null && isReviewRequest(request);
}
