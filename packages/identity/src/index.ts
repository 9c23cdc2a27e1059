export type { ParsedAgentId } from './agent-id.js';
export { agentId, isAgentName, isTrustDomain, parseAgentId } from './agent-id.js';
export type {
  AgentIssuer,
  AgentIssuerOptions,
  AttestationContext,
  Attestor,
  DelegateRequest,
  IssueRequest,
  IssueUser,
  RevokeTarget,
} from './agent-issuer.js';
export { createAgentIssuer } from './agent-issuer.js';
export type {
  AgentChecklist,
  AgentRecord,
  AgentRegistration,
  AgentRegistry,
  AgentRegistryOptions,
  AgentStatus,
  ChecklistItem,
  ChecklistOptions,
  ChecklistReport,
} from './agent-registry.js';
export { AGENT_STATUSES, createAgentRegistry } from './agent-registry.js';
export type { ActorClaim, AgentTokenClaims } from './agent-token.js';
export { AGENT_TOKEN_TYPE } from './agent-token.js';
export type { AgentVerifier, AgentVerifierOptions } from './agent-verifier.js';
export { createAgentVerifier } from './agent-verifier.js';
export type { DecodedToken } from './decode-agent-token.js';
export { decodeAgentToken } from './decode-agent-token.js';
export { DelegationError, IssuanceError, KeySetUnavailableError, TokenReplayedError } from './errors.js';
export type { JwsAlgorithm } from './internal/algorithms.js';
export type { VerificationKey } from './internal/jwk.js';
export type { KeyRing, KeyRingEntry, KeyRingOptions } from './key-ring.js';
export { createKeyRing } from './key-ring.js';
export type { MemoryReplayCacheOptions, ReplayCache } from './memory-replay-cache.js';
export { createMemoryReplayCache } from './memory-replay-cache.js';
export type { MemoryRevocationStoreOptions } from './memory-revocation-store.js';
export { createMemoryRevocationStore } from './memory-revocation-store.js';
export type { RemoteJwks, RemoteJwksOptions } from './remote-jwks.js';
export { createRemoteJwks } from './remote-jwks.js';
export type {
  GenerateSigningKeyOptions,
  JsonWebKeySet,
  PublicJwk,
  SigningAlgorithm,
  SigningKey,
} from './signing-key.js';
export { exportSigningKey, generateSigningKey, importSigningKey } from './signing-key.js';
export type {
  UserTokenAlgorithm,
  UserTokenVerifier,
  UserTokenVerifierOptions,
  VerifiedUser,
} from './user-token-verifier.js';
export { createUserTokenVerifier } from './user-token-verifier.js';
