// User aliases as the API shows them (SPEC §5).
import { displayName } from '../fields';

export interface AliasRow {
  id: string;
  user_id: string;
  first_name: string;
  last_name: string;
}

export function presentAlias(alias: AliasRow) {
  return {
    id: alias.id,
    user_id: alias.user_id,
    first_name: alias.first_name,
    last_name: alias.last_name,
    display_name: displayName(alias.first_name, alias.last_name),
  };
}
