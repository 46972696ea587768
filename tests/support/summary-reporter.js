/**
 * Prints the plain closing line CI reads: "tests: N passed, N failed".
 * A suite that fails before its tests run (a compile error, a crash) counts as a failed test.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const brokenSuites = results.testResults.filter((r) => r.testExecError || (r.failureMessage && r.numFailingTests === 0)).length;
    process.stdout.write(`tests: ${results.numPassedTests} passed, ${results.numFailedTests + brokenSuites} failed\n`);
  }
}
module.exports = SummaryReporter;
