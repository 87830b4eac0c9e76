// Names globalSetup hands to the test files through the environment (jest runs setup in the
// parent process; the workers inherit its environment).
export const TEMPLATE_DATABASE_VAR = 'SEATSHARE_TEST_TEMPLATE_DATABASE';
export const PGLITE_DUMP_VAR = 'SEATSHARE_TEST_PGLITE_DUMP';

/** The same server URL pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
