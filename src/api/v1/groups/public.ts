// What other resources may use of groups (test/policies/boundary.test.ts holds them to this
// file, presenter.ts and schema.ts): a group named by `group_id` in a list's query or a body
// is looked up through the groups' own visibility scope.
export { findGroup } from './queries';
// The join page (src/web/join-page.ts) joins through the same function as POST /groups/join,
// and shows a signed-out visitor the invitation a code opens.
export { joinWithCode } from './members';
export { formatUtc, previewInvitation } from './invitations';
// Deleting an account (src/accounts/deletion.ts) ends each membership as leaving does, and
// deactivates a group whose only member goes, as DELETE /groups/:id does.
export { deactivateGroup } from './admin';
export { findMember, removeMember } from './members';
export { listGroups } from './queries';
