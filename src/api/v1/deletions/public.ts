// What other resources may use of deletions (test/policies/boundary.test.ts holds them to this
// file, presenter.ts and schema.ts): the tombstone writes, called where records leave a view,
// and their purge (src/background.ts).
export {
  purgeOldTombstones,
  recordAliasTombstone,
  recordAliasesOfDeletedAccount,
  recordEventTombstone,
  recordGroupLost,
  recordTicketTombstones,
} from './tombstones';
