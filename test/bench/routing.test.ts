/**
 * The routing benchmark runs end to end in its quick form (the hub and the gemeenten as
 * processes) and reports what it measured; the figures themselves are judged in
 * docs/benchmarks.md, never here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITES } from '../../src/bench/index.js';

describe('dkd bench: routing', () => {
  it('asks all three methods for every question and reports overhead and the hanging case', async () => {
    const suite = SUITES.find((s) => s.name === 'routing')!;
    const workDir = mkdtempSync(join(tmpdir(), 'dkd-bench-test-'));
    try {
      const r = await suite.run({ quick: true, workDir, log: () => undefined });
      expect(r.figures['hub answers']).toBe(`gegevens ${r.figures.questions}`);
      // How many carry all three depends on the machine's speed (a slow gemeente is cut off); some must.
      expect(r.figures['answers with the Bron of all three']).toBeGreaterThan(0);
      expect(r.figures['hub CPU per question (ms)']).toBeGreaterThan(0);
      expect(r.figures['hang: answers with the others data and a Waarschuwing']).toBe(
        r.figures['hang: questions'],
      );
      expect(r.targets.map((t) => t.name)).toEqual([
        'hub overhead p99 (ms)',
        'hanging gemeente: slowest answer - deadline (ms)',
      ]);
      for (const t of r.targets) expect(Number.isFinite(t.value)).toBe(true);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 180_000);
});
