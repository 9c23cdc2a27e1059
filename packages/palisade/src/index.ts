export type {
  ApprovalOptions,
  LocalIdentityOptions,
  Palisade,
  PalisadeOptions,
} from './create-palisade.js';
export { createPalisade } from './create-palisade.js';
