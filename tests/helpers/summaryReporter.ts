import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with the plain line "N passed, N failed, N skipped" that CI reads in any language.
 * A file or suite that fails outside any test (a failing beforeAll, an import error, an unhandled
 * error) counts as one failure, so the line never says 0 failed when the run failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') counts[state]++;
        else counts.skipped++;
      }
      const suiteErrors = [...module.children.allSuites()].filter((s) => s.state() === 'failed' && s.errors().length > 0).length;
      counts.failed += module.errors().length + suiteErrors;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
