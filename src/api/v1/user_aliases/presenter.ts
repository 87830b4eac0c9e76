// User aliases as the API shows them (SPEC §5).
import { z } from 'zod';
import { viewTag, type Version } from '../../../http/conditional';
import { displayName } from '../../../users/display-name';
import { id, named } from '../views';

export const aliasView = named(
  'UserAlias',
  z.strictObject({
    id,
    user_id: id.meta({ description: "The alias's owner." }),
    first_name: z.string(),
    last_name: z.string(),
    display_name: z.string(),
  }),
);

export interface AliasRow {
  id: string;
  user_id: string;
  first_name: string;
  last_name: string;
  version: Version;
}

/** The ETag of presentAlias's view: the alias's version (the view shows its own columns only). */
export function aliasTag(alias: AliasRow): string {
  return viewTag(['alias', alias.id, alias.version]);
}

export function presentAlias(alias: AliasRow): z.output<typeof aliasView> {
  return {
    id: alias.id,
    user_id: alias.user_id,
    first_name: alias.first_name,
    last_name: alias.last_name,
    display_name: displayName(alias.first_name, alias.last_name),
  };
}
