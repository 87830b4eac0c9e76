// What other resources may use of tickets (test/policies/boundary.test.ts holds them to this
// file, presenter.ts and schema.ts): a group's member leaving and an event going take their
// tickets with them, and each deletion is recorded in the ticket's history as one by hand is.
export { recordDeletions } from './history';
