import type { Principal } from '@palisade/core';
import { compileGlob, hasWildcard, unescapeGlob } from './glob.js';

/** Tests a string against a list of names and globs. */
export type NameMatcher = (value: string) => boolean;

/** Compiles a list of names and globs: exact names go in a set, globs are tried in turn. */
export function compileNames(patterns: readonly string[]): NameMatcher {
  const exact = new Set<string>();
  const globs: ((value: string) => boolean)[] = [];
  for (const pattern of patterns) {
    if (hasWildcard(pattern)) globs.push(compileGlob(pattern));
    else exact.add(unescapeGlob(pattern));
  }
  if (globs.length === 0) {
    if (exact.size === 1) {
      const only = exact.values().next().value as string;
      return (value) => value === only;
    }
    return (value) => exact.has(value);
  }
  return (value) => {
    if (exact.has(value)) return true;
    for (const glob of globs) if (glob(value)) return true;
    return false;
  };
}

/** The user side of a rule's subjects: `users`, `roles`, `autonomous`. */
export function compileUserSide(rule: {
  readonly users?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly autonomous?: boolean | undefined;
}): ((principal: Principal) => boolean) | undefined {
  if (!rule.users && !rule.roles && rule.autonomous !== true) return undefined;
  const users = rule.users ? compileNames(rule.users) : undefined;
  const roles = rule.roles ? compileNames(rule.roles) : undefined;
  const autonomous = rule.autonomous === true;
  return (principal) => {
    const user = principal.user;
    if (!user) return autonomous;
    if (users?.(user.id)) return true;
    if (roles) for (const role of user.roles) if (roles(role)) return true;
    return false;
  };
}
