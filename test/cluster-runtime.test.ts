// The workers' node flags (src/http/cluster.ts): V8's young generation is raised for them
// (WORKER_SEMI_SPACE_MB, #18) unless the operator set it or asked for V8's default.
import { workerExecArgv } from '../src/http/cluster';

it("adds the semi-space to the primary's flags", () => {
  expect(workerExecArgv(['--enable-source-maps'], undefined, 64)).toEqual([
    '--enable-source-maps',
    '--max-semi-space-size=64',
  ]);
});

it('leaves the flags alone for 0, or when the operator set a semi-space (flags or NODE_OPTIONS)', () => {
  expect(workerExecArgv(['--enable-source-maps'], undefined, 0)).toEqual(['--enable-source-maps']);
  expect(workerExecArgv(['--max-semi-space-size=8'], undefined, 64)).toEqual(['--max-semi-space-size=8']);
  expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32', 64)).toEqual([]);
});
