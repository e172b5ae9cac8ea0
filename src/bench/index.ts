/** The suites `dkd bench` runs, in order. */
import { routingSuite } from './routing.js';
import type { BenchSuite } from './types.js';

export const SUITES: BenchSuite[] = [routingSuite];
