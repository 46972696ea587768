/*
 * How the benchmarks end: their bars as PASS/FAIL lines, a missed bar setting exit code 1 so a
 * script running them notices, and an error ending the process with a non-zero code.
 */

/** What a benchmark promises (named with the figure measured) and whether this run kept it. */
export type Bar = [name: string, met: boolean];

export function printBars(bars: Bar[]): void {
  console.log('\nBars:');
  for (const [name, met] of bars) console.log(`  ${met ? 'PASS' : 'FAIL'}  ${name}`);
  if (bars.some(([, met]) => !met)) process.exitCode = 1;
}

export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
