// Output of /api/v1/deletions: which record left your view, and when.
import { z } from 'zod';
import { iso } from '../fields';
import { named, timestamp } from '../views';

export const DELETION_TYPES = ['group', 'event', 'ticket', 'user', 'user_alias'] as const;

export interface DeletionRow {
  type: (typeof DELETION_TYPES)[number];
  id: string;
  deleted_at: Date;
}

export const deletionView = named(
  'Deletion',
  z.strictObject({
    type: z.enum(DELETION_TYPES).meta({ description: 'The kind of record, as in the URL of its list.' }),
    id: z.uuid(),
    deleted_at: timestamp.meta({ description: 'When it left your view (deleted, or you lost its group).' }),
  }),
);

export function presentDeletion(row: DeletionRow): z.output<typeof deletionView> {
  return { type: row.type, id: row.id, deleted_at: iso(row.deleted_at) };
}
