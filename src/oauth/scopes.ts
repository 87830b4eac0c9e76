// Scopes of SPEC §3: `read` (GET on the API) and `write` (POST, PUT, PATCH, DELETE).
export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_SCOPE: Scope[] = ['read', 'write'];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'See your profile, your groups, their events and tickets',
  write: 'Change your profile, tickets and groups on your behalf',
};

/** A space-separated scope parameter → a sorted list; undefined when a scope is unknown. */
export function parseScope(value: unknown): Scope[] | undefined {
  if (value === undefined || value === null || value === '') return [...DEFAULT_SCOPE];
  if (typeof value !== 'string') return undefined;
  const parts = [...new Set(value.split(' ').filter(Boolean))];
  if (parts.length === 0 || !parts.every((part): part is Scope => (SCOPES as readonly string[]).includes(part)))
    return undefined;
  return SCOPES.filter((scope) => parts.includes(scope));
}

export function coversScope(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((scope) => granted.includes(scope));
}
