/**
 * The benchmark suites of `dkd bench`. Each suite measures the project against a baseline
 * measured in the same run (xmllint, asking a gemeente directly, ...) and reports ratios
 * and the figures behind them; targets are reported, never asserted in tests.
 */

export interface BenchContext {
  /** Progress for people, on stderr. */
  log(line: string): void;
  /** A smaller run (fewer clients, fewer questions) for a quick look and for the test suite. */
  quick: boolean;
  /** A fresh scratch directory the suite may fill; removed afterwards. */
  workDir: string;
}

export interface BenchTarget {
  /** What is measured, e.g. `ingest time / xmllint time`. */
  name: string;
  /** The target as text, e.g. `<= 3`. */
  limit: string;
  value: number;
  met: boolean;
}

export interface BenchResult {
  suite: string;
  /** Figures by name (times in ms, memory in MB, counts). */
  figures: Record<string, number | string>;
  targets: BenchTarget[];
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
