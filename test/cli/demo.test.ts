/**
 * `dkd demo` as a user runs it: a real process on the embedded store (or PostgreSQL when
 * DATABASE_URL is set), by default the whole chain signed over two-way TLS with its own test
 * PKI; asked with `dkd query` and with the independent client, with the certificate flags
 * and commands it prints, for the BSN it names as known to several gemeenten; `dkd audit`
 * afterwards names the caller. Stopped with Ctrl-C, started again on the same data, and
 * started as the old plain-HTTP demo with --insecure-dev.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from '../helpers/cli.js';
import { REFERENCE_DIR } from '../helpers/reference.js';

const CLIENT = resolve(
  process.env.DKD_CONFORMANCE_DIR ?? join(REFERENCE_DIR, '..', '..', 'conformance'),
  'suwiml_client.py',
);

/**
 * requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE win over the client's own --ca (its
 * session.verify); without them, the test CA given by --ca is what the client trusts.
 */
const CLIENT_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'REQUESTS_CA_BUNDLE' && k !== 'CURL_CA_BUNDLE'),
);

let cli: CliEnv;

interface DemoInfo {
  portal: string;
  soap: { url: string }[];
  gemeenten: { code: string; methode: string }[];
  voorbeelden: { alleGemeenten: string; alleenWebservice: string; alleenBatch: string; onbekend: string };
  tls?: { ca: string; partners: { uwv: { oin: string; cert: string; key: string } } };
  commandos: { query: string[]; client: string[]; audit: string[] };
}

/** Starts `dkd demo`; resolves with its JSON document once it is ready. */
function startDemo(
  extra: string[] = [],
): Promise<{ info: DemoInfo; stop(): Promise<number | null>; stderr: () => string }> {
  const child = cli.spawn(['demo', '--port', '0', '--db', cli.db, '--clients', '40', '--json', ...extra]);
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

/** The independent client with the arguments the demo printed (and the env of conformance-tls). */
function independent(args: string[]): Promise<{ code: number; out: string; first: unknown }> {
  return new Promise((r) =>
    execFile(
      '/usr/bin/python3',
      [CLIENT, ...args],
      { env: CLIENT_ENV, timeout: 60_000 },
      (e, stdout, stderr) =>
        r({
          code: e ? Number((e as { code?: number }).code ?? 1) : 0,
          out: stdout + stderr,
          first: stdout.startsWith('{') ? (JSON.parse(stdout.trim().split('\n')[0]!) as unknown) : undefined,
        }),
    ),
  );
}

/** The printed `dkd query` command, for another BSN: the same flags, with --json. */
function query(info: DemoInfo, bsn = info.voorbeelden.alleGemeenten) {
  const args = [...info.commandos.query];
  args[args.indexOf('--bsn') + 1] = bsn;
  return run([...args, '--json']);
}

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
  it('over two-way TLS answers the BSN it names as known to several gemeenten with the Bron of every method, audit names the caller, and it stops on Ctrl-C', async () => {
    const demo = await startDemo();
    try {
      const { info } = demo;
      expect(info.gemeenten.map((g) => g.methode).sort()).toEqual(['batch', 'combinatie', 'webservice']);
      expect(info.portal.startsWith('https://')).toBe(true);
      for (const s of info.soap) expect(s.url.startsWith('https://')).toBe(true);
      const tls = info.tls!;
      const uwv = tls.partners.uwv;
      // The printed command carries UWV's certificate, its key and the test CA.
      expect(info.commandos.query).toEqual(
        expect.arrayContaining(['--tls-cert', uwv.cert, '--tls-key', uwv.key, '--tls-ca', tls.ca]),
      );
      const q = await query(info);
      expect(q.code, q.stderr).toBe(0);
      const answer = JSON.parse(q.stdout) as { soort: string; dossier: unknown };
      expect(answer.soort).toBe('gegevens');
      expect(bronnen(answer.dossier)).toEqual(['0344', '0363', '0599']);

      expect(info.commandos.client).toEqual(
        expect.arrayContaining([
          '--cert',
          uwv.cert,
          '--key',
          uwv.key,
          '--ca',
          tls.ca,
          '--sign',
          '--require-signed-answer',
        ]),
      );
      const c = await independent([...info.commandos.client, '--expect', 'data', '--json']);
      expect(c.code, c.out).toBe(0);
      expect(c.first).toMatchObject({ valid: true, signed_answer: true, parties: ['0344', '0363', '0599'] });

      // Without a client certificate the hub answers nobody.
      const anon = await run(
        ['query', '--url', info.portal.replace(/\/$/, ''), '--bsn', info.voorbeelden.alleGemeenten],
        undefined,
      );
      expect(anon.code).not.toBe(0);

      for (const [bsn, parties] of [
        [info.voorbeelden.alleenWebservice, ['0599']],
        [info.voorbeelden.alleenBatch, ['0363']],
      ] as const) {
        const r = await query(info, bsn);
        expect(r.code, r.stderr).toBe(0);
        expect(bronnen((JSON.parse(r.stdout) as { dossier: unknown }).dossier)).toEqual(parties);
      }
      const none = await query(info, info.voorbeelden.onbekend);
      expect((JSON.parse(none.stdout) as { soort: string }).soort).toBe('nietsGevonden');
      const agent = new Agent({ connect: { ca: readFileSync(tls.ca) } });
      const portal = await request(info.portal, { dispatcher: agent });
      expect(portal.headers['content-type']).toContain('text/html');
      await portal.body.text();
      await agent.close();

      const a = await run([...info.commandos.audit, '--json']);
      expect(a.code, a.stderr).toBe(0);
      const vragen = (JSON.parse(a.stdout) as { vragen: { oin: string; uitkomst: string }[] }).vragen;
      // The query and the independent client, both as UWV, with data.
      expect(
        vragen.filter((v) => v.oin === uwv.oin && v.uitkomst === 'gegevens').length,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
    expect(demo.stderr()).toContain('gestopt');
    expect(demo.stderr()).not.toContain(demo.info.voorbeelden.alleGemeenten);
  }, 120_000);

  it('starts again on the same data directory, with the same test PKI, and answers the same', async () => {
    const demo = await startDemo();
    try {
      expect(demo.stderr()).not.toContain('test-PKI maken');
      const q = await query(demo.info);
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

  it('with --insecure-dev runs the old plain-HTTP demo on the same data', async () => {
    const demo = await startDemo(['--insecure-dev']);
    try {
      const { info } = demo;
      expect(info.portal.startsWith('http://')).toBe(true);
      expect(info.tls).toBeUndefined();
      const q = await run([...info.commandos.query, '--json']);
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
