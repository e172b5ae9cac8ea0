/** The suites `dkd bench` runs, in order. */
import type { BenchSuite } from './types.js';

export const SUITES: BenchSuite[] = [];
