// The input contract of /api/v1/groups.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { updatedSinceField } from '../deletions/schema';
import { code, freeText, innerRecordId, personName, recordId } from '../fields';

const groupId = recordId.meta({ description: 'One of your groups.' });
export const groupPath = z.strictObject({ id: groupId });
export const memberPath = z.strictObject({
  id: groupId,
  user_id: innerRecordId.meta({ description: 'A member of the group.' }),
});
export const invitationPath = z.strictObject({
  id: groupId,
  invitation_id: innerRecordId.meta({ description: "One of the group's invitations." }),
});

export const listGroupsQuery = z.strictObject({ ...pageFields, ...updatedSinceField });

export const updateGroupBody = z.strictObject({
  name: personName.optional(),
  description: freeText.optional(),
});

export const createGroupBody = z.strictObject({
  name: personName,
  description: freeText.optional(),
});

export const joinGroupBody = z.strictObject({
  code: code(200, 'must be an invitation or join code'),
});

export const createInvitationBody = z.strictObject({
  email: z
    .string({ error: 'must be an email address' })
    .trim()
    .max(254, 'must be at most 254 characters')
    .pipe(z.email('must be an email address')),
});

export const listInvitationsQuery = z.strictObject({ ...pageFields });

export const changeRoleBody = z.strictObject({
  role: z.enum(['admin', 'member'], { error: 'must be admin or member' }),
});
