/**
 * `dkd generate`, `dkd validate` and `dkd ingest` as a user runs them: real processes on
 * the built CLI (`npm run build` first), exit status, --json summary, report files.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dkd-cli-'));
const db = join(dir, 'dkd.sqlite');

function dkd(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  // The CLI's own SQLite file: this test is about the command, not the engine.
  delete env.DATABASE_URL;
  return new Promise((resolve) =>
    execFile(process.execPath, [join(ROOT, 'bin', 'dkd.js'), ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  const r = await dkd(
    'gemeente',
    'add',
    '--code',
    '0599',
    '--naam',
    'Rotterdam',
    '--oin',
    '00000001000000005990',
    '--methode',
    'batch',
    '--db',
    db,
  );
  expect(r.code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the verzamelbestand commands', () => {
  const file = join(dir, 'r.xml');

  it('generate writes the file and the BSN list; validate checks it and loads nothing', async () => {
    const g = await dkd(
      'generate',
      '--gemeente',
      '0599',
      '--clients',
      '200',
      '--seed',
      'cli',
      '--bsn-list',
      join(dir, 'bsn.txt'),
      '--out',
      file,
    );
    expect(g.code).toBe(0);
    expect(readFileSync(join(dir, 'bsn.txt'), 'utf8').trim().split('\n')).toHaveLength(200);
    const v = await dkd('validate', file, '--json');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({
      status: 'gevalideerd',
      telling: { records: 200, goed: 200 },
      perRegel: {},
    });
  }, 60_000);

  it('ingest --json prints the summary and --report writes the report as JSON and as text; a repeat is a no-op', async () => {
    const report = join(dir, 'rapport.json');
    const r = await dkd('ingest', file, '--json', '--report', report, '--db', db);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'geladen',
      gemeente: '0599',
      effect: { dossiers: 200, toegevoegd: 200 },
    });
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      status: 'geladen',
      bestand: { naam: 'r.xml' },
    });
    expect(readFileSync(join(dir, 'rapport.txt'), 'utf8')).toContain('uitkomst:      geladen');

    const again = await dkd('ingest', file, '--db', db);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ongewijzigd: dit bestand is al eerder geladen');
  }, 60_000);

  it('a refused file exits with status 1 and says why; findings per rule in the summary', async () => {
    const bad = join(dir, 'kapot.xml');
    writeFileSync(bad, readFileSync(file, 'utf8').replace(/<AantalRecords>\d+</, '<AantalRecords>3<'));
    const r = await dkd('ingest', bad, '--json', '--db', db);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'geweigerd',
      perRegel: { 'aantal-records-onjuist': 1 },
    });
    expect(r.stderr).toContain('geweigerd');
    expect((await dkd('validate', join(dir, 'bestaat-niet.xml'))).code).toBe(1);
    expect((await dkd('generate', '--gemeente', '0599', '--clients', 'veel', '--out', bad)).code).toBe(2);
  }, 60_000);
});
