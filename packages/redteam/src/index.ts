export { catalogOf, composePolicy } from './compose-policy.js';
export type { BankingState, BankTransaction } from './environments/banking.js';
export { bankingEnvironment } from './environments/banking.js';
export type { SlackMessage, SlackState } from './environments/slack.js';
export { slackEnvironment } from './environments/slack.js';
export { formatReport, formatSummaryLine } from './format-report.js';
export type { SuiteData } from './load-suite.js';
export { hasSuite, loadSuite } from './load-suite.js';
export type { Profile, ProfileName } from './profiles.js';
export { loadProfile, PROFILE_NAMES } from './profiles.js';
export { renderEnvironment } from './render-environment.js';
export type { ReviewedCall, Reviewer, ReviewerName } from './reviewer.js';
export { createReviewer, matchesCall, REVIEWER_NAMES } from './reviewer.js';
export type { Count, FailingCase, RunSuiteOptions, SuiteRunResult } from './run-suite.js';
export { attackText, createSessionParts, runSuite } from './run-suite.js';
export type {
  CheckInput,
  ExecutedCall,
  RunCheck,
  SimulatedEnvironment,
  SimulatedTool,
} from './simulated-environment.js';
export type { InjectionTask, ScriptedCall, SuiteFacts, UserTask } from './suite-facts.js';
export { suiteFactsSchema } from './suite-facts.js';
