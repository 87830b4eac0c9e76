// What a policy rule answers: allowed, or refused with a reason the caller can read.
export type Verdict = { allowed: true } | { allowed: false; reason: string };

export const allow: Verdict = { allowed: true };

export function deny(reason: string): Verdict {
  return { allowed: false, reason };
}

/** The first refusal among several verdicts, or allow. */
export function allOf(...verdicts: Verdict[]): Verdict {
  return verdicts.find((verdict) => !verdict.allowed) ?? allow;
}
