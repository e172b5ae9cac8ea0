/** The suites `dkd bench` runs, in order. */
import { ingestSuite } from './ingest.js';
import type { BenchSuite } from './types.js';

export const SUITES: BenchSuite[] = [ingestSuite];
