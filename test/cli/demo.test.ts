/**
 * `dkd demo` as a user runs it: a real process on the embedded store (or PostgreSQL when
 * DATABASE_URL is set), asked with `dkd query` and with the independent client for the BSN
 * it names as known to several gemeenten; stopped with Ctrl-C, and started again on the
 * same data.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from '../helpers/cli.js';
import { REFERENCE_DIR } from '../helpers/reference.js';

const CLIENT = resolve(
  process.env.DKD_CONFORMANCE_DIR ?? join(REFERENCE_DIR, '..', '..', 'conformance'),
  'suwiml_client.py',
);

let cli: CliEnv;

interface DemoInfo {
  portal: string;
  gemeenten: { code: string; methode: string }[];
  voorbeelden: { alleGemeenten: string; alleenWebservice: string; alleenBatch: string; onbekend: string };
}

/** Starts `dkd demo`; resolves with its JSON document once it is ready. */
function startDemo(): Promise<{ info: DemoInfo; stop(): Promise<number | null>; stderr: () => string }> {
  const child = cli.spawn(['demo', '--port', '0', '--db', cli.db, '--clients', '40', '--json']);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const info = JSON.parse(out) as DemoInfo;
        resolveStart({
          info,
          stderr: () => err,
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      } catch {
        // not all of the document yet
      }
    });
    void exited.then((code) => reject(new Error(`dkd demo ended (${code}) before it was ready: ${err}`)));
  });
}

const run = (args: string[], cmd?: string) => cli.run(args, cmd);

function bronnen(v: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(v)) for (const x of v) bronnen(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'cdPartijSuwi' && typeof x === 'string') out.add(x);
      else bronnen(x, out);
    }
  return [...out].sort();
}

beforeAll(async () => {
  cli = await cliEnv('demo');
});
afterAll(() => cli?.dispose());

describe('dkd demo', () => {
  it('answers the BSN it names as known to several gemeenten with the Bron of every method, and stops on Ctrl-C', async () => {
    const demo = await startDemo();
    try {
      const { info } = demo;
      expect(info.gemeenten.map((g) => g.methode).sort()).toEqual(['batch', 'combinatie', 'webservice']);
      const hub = info.portal.replace(/\/$/, '');
      const q = await run(['query', '--url', hub, '--bsn', info.voorbeelden.alleGemeenten, '--json']);
      expect(q.code, q.stderr).toBe(0);
      const answer = JSON.parse(q.stdout) as { soort: string; dossier: unknown };
      expect(answer.soort).toBe('gegevens');
      expect(bronnen(answer.dossier)).toEqual(info.gemeenten.map((g) => g.code).sort());

      const independent = await run(
        [
          CLIENT,
          '--url',
          hub,
          '--service',
          'bijstandsregelingen',
          '--bsn',
          info.voorbeelden.alleGemeenten,
          '--expect',
          'data',
          '--from-uri',
          'https://uwv.example/dkd?oin=00000001000000000002',
          '--json',
        ],
        '/usr/bin/python3',
      );
      expect(independent.code, independent.stdout + independent.stderr).toBe(0);
      expect(JSON.parse(independent.stdout.trim().split('\n')[0]!)).toMatchObject({
        valid: true,
        parties: info.gemeenten.map((g) => g.code).sort(),
      });

      for (const [bsn, parties] of [
        [info.voorbeelden.alleenWebservice, ['0599']],
        [info.voorbeelden.alleenBatch, ['0363']],
      ] as const) {
        const r = await run(['query', '--url', hub, '--bsn', bsn, '--json']);
        expect(bronnen((JSON.parse(r.stdout) as { dossier: unknown }).dossier)).toEqual(parties);
      }
      const none = await run(['query', '--url', hub, '--bsn', info.voorbeelden.onbekend, '--json']);
      expect((JSON.parse(none.stdout) as { soort: string }).soort).toBe('nietsGevonden');
      expect((await fetch(info.portal)).headers.get('content-type')).toContain('text/html');
    } finally {
      expect(await demo.stop()).toBe(0);
    }
    expect(demo.stderr()).toContain('gestopt');
    expect(demo.stderr()).not.toContain(demo.info.voorbeelden.alleGemeenten);
  }, 120_000);

  it('starts again on the same data directory and answers the same', async () => {
    const demo = await startDemo();
    try {
      const hub = demo.info.portal.replace(/\/$/, '');
      const q = await run(['query', '--url', hub, '--bsn', demo.info.voorbeelden.alleGemeenten, '--json']);
      expect(q.code, q.stderr).toBe(0);
      expect(bronnen((JSON.parse(q.stdout) as { dossier: unknown }).dossier)).toEqual([
        '0344',
        '0363',
        '0599',
      ]);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  }, 120_000);
});
