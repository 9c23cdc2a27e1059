import {
  type CallContext,
  catalogEntry,
  EFFECTS,
  type Effect,
  type Enforcement,
  type StandardSchemaV1,
} from '@palisade/core';
import type { ReviewDecisionType } from '../approval-interrupt.js';
import type { LangChainGuardOptions } from '../guard-options.js';
import { type ContextResolver, type ContextSource, readCallContext } from '../read-call-context.js';
import type { ReviewService } from '../review-service.js';
import { isStandardSchema, toInputSchema } from './input-schema.js';

/** The validated options, with lookups by tool name. */
export interface ToolCatalog {
  /**
   * `options.effects`, else the policy's catalog; `undefined` when neither names the tool. Throws
   * `TypeError` when the policy's catalog lists the tool with a malformed entry.
   */
  effectOf(name: string): Effect | undefined;
  /** `options.targets`, else the policy's catalog. */
  targetOf(name: string): string | undefined;
  /** The schema to validate `name`'s input with; throws `TypeError` when there is none. */
  schemaFor(name: string, toolSchema: unknown): StandardSchemaV1;
  resolveContext(source: ContextSource): CallContext;
  /** The approval service reviews are proposed and decided in, if any. */
  readonly reviewService: ReviewService | undefined;
  /** The reviewer's credential in a run's context, if it carries one. */
  reviewerOf(source: ContextSource): string | undefined;
  readonly allowedDecisions: readonly ReviewDecisionType[];
  readonly checkpointCredential: boolean;
}

const REVIEW_DECISIONS: readonly ReviewDecisionType[] = ['approve', 'edit', 'reject', 'respond'];
const DEFAULT_DECISIONS: readonly ReviewDecisionType[] = Object.freeze(['approve', 'edit', 'reject']);
const SERVICE_METHODS = ['propose', 'get', 'decide', 'cancel'] as const;

/**
 * Validates `options` once (throwing `TypeError` naming the bad option) and builds the catalog. A
 * tool `options.effects` does not name takes its effect and target from the policy catalog of
 * `enforcement.decider`, when it exposes one.
 */
export function createToolCatalog(
  options: LangChainGuardOptions,
  caller: string,
  enforcement: Enforcement,
): ToolCatalog {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  const effects =
    options.effects === undefined ? [] : ownEntries(options.effects, `${caller}: options.effects`);
  for (const [name, effect] of effects) {
    if (!EFFECTS.includes(effect as Effect)) {
      throw new TypeError(
        `${caller}: options.effects["${name}"] must be one of ${EFFECTS.join(', ')}, got ${String(effect)}`,
      );
    }
  }
  const targets =
    options.targets === undefined ? [] : ownEntries(options.targets, `${caller}: options.targets`);
  for (const [name, target] of targets) {
    if (typeof target !== 'string')
      throw new TypeError(`${caller}: options.targets["${name}"] must be a string`);
  }
  const schemas =
    options.schemas === undefined ? [] : ownEntries(options.schemas, `${caller}: options.schemas`);
  for (const [name, schema] of schemas) {
    if (!isStandardSchema(schema)) {
      throw new TypeError(
        `${caller}: options.schemas["${name}"] must be a Standard Schema (zod 4, valibot, ...)`,
      );
    }
  }
  if (options.context !== undefined && typeof options.context !== 'function') {
    throw new TypeError(`${caller}: options.context must be a function`);
  }

  const review = options.review ?? {};
  if (typeof review !== 'object' || review === null) {
    throw new TypeError(`${caller}: options.review must be an object`);
  }
  if (review.service !== undefined && !isReviewService(review.service)) {
    throw new TypeError(`${caller}: options.review.service must have ${SERVICE_METHODS.join(', ')}`);
  }
  if (review.reviewer !== undefined && typeof review.reviewer !== 'function') {
    throw new TypeError(`${caller}: options.review.reviewer must be a function`);
  }
  const allowedDecisions = review.allowedDecisions ?? DEFAULT_DECISIONS;
  if (
    !Array.isArray(allowedDecisions) ||
    allowedDecisions.length === 0 ||
    !allowedDecisions.every((type) => REVIEW_DECISIONS.includes(type))
  ) {
    throw new TypeError(
      `${caller}: options.review.allowedDecisions must list some of ${REVIEW_DECISIONS.join(', ')}`,
    );
  }
  if (review.checkpointCredential !== undefined && typeof review.checkpointCredential !== 'boolean') {
    throw new TypeError(`${caller}: options.review.checkpointCredential must be a boolean`);
  }
  // createPalisade() puts its approval service beside the enforcement parts.
  const ownService = (enforcement as { approvalService?: unknown }).approvalService;
  const reviewService = review.service ?? (isReviewService(ownService) ? ownService : undefined);
  const reviewer = review.reviewer ?? readApproverCredential;

  const effectMap = new Map(effects as [string, Effect][]);
  const targetMap = new Map(targets as [string, string][]);
  const schemaMap = new Map(schemas as [string, StandardSchemaV1][]);
  const resolver: ContextResolver = options.context ?? readCallContext;
  // Converting a JSON Schema compiles a validator: do it once per schema object.
  const converted = new WeakMap<object, StandardSchemaV1>();

  return {
    effectOf: (name) => effectMap.get(name) ?? catalogEntry(enforcement, name)?.effect,
    targetOf: (name) => targetMap.get(name) ?? catalogEntry(enforcement, name)?.target,
    schemaFor(name, toolSchema) {
      const explicit = schemaMap.get(name);
      if (explicit) return explicit;
      if (typeof toolSchema === 'object' && toolSchema !== null) {
        const cached = converted.get(toolSchema);
        if (cached) return cached;
        const schema = toInputSchema(toolSchema, name);
        converted.set(toolSchema, schema);
        return schema;
      }
      return toInputSchema(toolSchema, name);
    },
    resolveContext(source) {
      const context = resolver(source) ?? {};
      if (typeof context !== 'object' || context === null) {
        throw new TypeError('The context resolver must return a CallContext object');
      }
      // The approval id comes from a resumed interrupt only, never from the caller's context.
      const { approvalId: _ignored, ...rest } = context;
      return rest;
    },
    reviewService,
    reviewerOf(source) {
      const credential = reviewer(source);
      if (credential === undefined) return undefined;
      if (typeof credential !== 'string' || credential === '') {
        throw new TypeError('The reviewer resolver must return a credential string or nothing');
      }
      return credential;
    },
    allowedDecisions: Object.freeze([...allowedDecisions]),
    checkpointCredential: review.checkpointCredential ?? true,
  };
}

/** The default reviewer: `context.approverCredential` of the run that resumes. */
function readApproverCredential(source: ContextSource): string | undefined {
  const context = source.context;
  if (typeof context !== 'object' || context === null) return undefined;
  const credential = (context as { approverCredential?: unknown }).approverCredential;
  return typeof credential === 'string' && credential !== '' ? credential : undefined;
}

function isReviewService(value: unknown): value is ReviewService {
  return (
    typeof value === 'object' &&
    value !== null &&
    SERVICE_METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

function ownEntries(value: unknown, label: string): [string, unknown][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${label} must be an object keyed by tool name`);
  }
  return Object.entries(value);
}
