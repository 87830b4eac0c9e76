// What other resources may use of groups (test/policies/boundary.test.ts holds them to this
// file, presenter.ts and schema.ts): a group named by `group_id` in a list's query or a body
// is looked up through the groups' own visibility scope.
export { findGroup } from './queries';
// The join page (src/web/join-page.ts) joins through the same function as POST /groups/join.
export { joinWithCode } from './members';
