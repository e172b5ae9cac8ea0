/** The suites `dkd bench` runs, in order. */
import { ingestSuite } from './ingest.js';
import { routingSuite } from './routing.js';
import type { BenchSuite } from './types.js';

export const SUITES: BenchSuite[] = [ingestSuite, routingSuite];
