/**
 * The hub's commands as a user runs them, each a real process: the registry (`dkd gemeente
 * add|list`, `dkd afnemer add|list`), `dkd serve --insecure-dev` and its refusals, `dkd
 * gemeente serve --hub` registering its clients, and `dkd query` getting the answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from '../helpers/cli.js';

let cli: CliEnv;
const children: ChildProcess[] = [];

/** Starts a long-running command; resolves with the URL it says it listens on. */
function started(args: string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = cli.spawn(args);
  children.push(child);
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /luistert op (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1]!.replace(/\/+$/, ''), child, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} ended (${code}): ${err}`)));
  });
}

const stopped = (child: ChildProcess) =>
  new Promise<number | null>((r) => {
    child.on('exit', (code) => r(code));
    child.kill('SIGINT');
  });

beforeAll(async () => {
  cli = await cliEnv('cli-hub');
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cli?.dispose();
});

describe('the registry commands', () => {
  it('gemeente add registers a gemeente with its endpoints, version and deadline; list shows it', async () => {
    const add = await cli.run([
      'gemeente',
      'add',
      '--code',
      '0599',
      '--naam',
      'Rotterdam',
      '--oin',
      '00000001000000005990',
      '--methode',
      'webservice',
      '--endpoint',
      'http://127.0.0.1:9/ws',
      '--deadline-ms',
      '1500',
      '--db',
      cli.db,
    ]);
    expect(add.code, add.stderr).toBe(0);
    const table = await cli.run(['gemeente', 'list', '--db', cli.db]);
    expect(table.stdout).toMatch(
      /0599 +Rotterdam +00000001000000005990 +webservice +1500 ms +bijstandsregelingen v0500 http/,
    );
    const list = await cli.run(['gemeente', 'list', '--json', '--db', cli.db]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        code: '0599',
        naam: 'Rotterdam',
        methode: 'webservice',
        deadlineMs: 1500,
        endpoints: [
          {
            dienst: 'bijstandsregelingen',
            url: 'http://127.0.0.1:9/ws/Bijstandsregelingen-v0500',
            versie: 'v0500',
          },
          {
            dienst: 'reintegratie',
            url: 'http://127.0.0.1:9/ws/GSDDossierReintegratie-v0200',
            versie: 'v0200',
          },
        ],
      }),
    ]);
  });

  it.each([
    [['--code', '59', '--methode', 'batch'], '--code'],
    [['--code', '0599', '--methode', 'webservice'], '--endpoint'],
    [['--code', '0599', '--methode', 'per post'], '--methode'],
    [
      ['--code', '0599', '--methode', 'combinatie', '--endpoint', 'http://x.example', '--versie', 'v0100'],
      'v0100',
    ],
  ])('gemeente add refuses wrong usage with status 2 and says why (%j)', async (args, what) => {
    const r = await cli.run([
      'gemeente',
      'add',
      '--naam',
      'X',
      '--oin',
      '00000001000000005990',
      ...args,
      '--db',
      cli.db,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(what);
  });

  it('afnemer add authorizes a chain partner for services; list shows it', async () => {
    const r = await cli.run([
      'afnemer',
      'add',
      '--oin',
      '00000001000000000002',
      '--naam',
      'UWV',
      '--diensten',
      'bijstandsregelingen',
      '--db',
      cli.db,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const list = await cli.run(['afnemer', 'list', '--json', '--db', cli.db]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        oin: '00000001000000000002',
        diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
      }),
    ]);
    const bad = await cli.run([
      'afnemer',
      'add',
      '--oin',
      '00000001000000000002',
      '--naam',
      'UWV',
      '--diensten',
      'alles',
      '--db',
      cli.db,
    ]);
    expect(bad.code).toBe(2);
  });
});

describe('dkd serve', () => {
  it('--insecure-dev refuses an address other than loopback', async () => {
    const r = await cli.run(['serve', '--insecure-dev', '--host', '0.0.0.0', '--port', '0', '--db', cli.db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('loopback');
  });

  it('without TLS and without --insecure-dev it does not start', async () => {
    const r = await cli.run(['serve', '--port', '0', '--db', cli.db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--insecure-dev');
  });

  it('serves the hub; a gemeente serve --hub registers its clients; dkd query gets their data', async () => {
    const file = join(cli.dir, 'rotterdam.xml');
    const list = join(cli.dir, 'rotterdam.bsn');
    const gen = await cli.run([
      'generate',
      '--gemeente',
      '0599',
      '--clients',
      '25',
      '--out',
      file,
      '--bsn-list',
      list,
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const hub = await started(['serve', '--insecure-dev', '--port', '0', '--db', cli.db]);
    const wsdl = await (await fetch(`${hub.url}/Bijstandsregelingen-v0500?wsdl`)).text();
    expect(wsdl).toContain(`location="${hub.url}/Bijstandsregelingen-v0500"`);

    // The gemeente is known to the hub by its OIN before it registers, as IBVerwijsindex requires.
    const g = await started([
      'gemeente',
      'serve',
      '--code',
      '0599',
      '--data',
      file,
      '--port',
      '0',
      '--hub',
      hub.url,
      '--oin',
      '00000001000000005990',
      '--delay-ms',
      '5',
    ]);
    expect(g.stderr()).toContain('25 clienten');
    const add = await cli.run([
      'gemeente',
      'add',
      '--code',
      '0599',
      '--naam',
      'Rotterdam',
      '--oin',
      '00000001000000005990',
      '--methode',
      'webservice',
      '--endpoint',
      g.url,
      '--db',
      cli.db,
    ]);
    expect(add.code, add.stderr).toBe(0);
    for (let i = 0; i < 100 && !/verwijsindex: [1-9]/.test(g.stderr()); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(g.stderr()).toMatch(/verwijsindex: [1-9][0-9]* aangemeld, 0 ingetrokken, 0 mislukt, 0 geweigerd/);

    let answered = 0;
    for (const bsn of readFileSync(list, 'utf8').trim().split('\n').slice(0, 5)) {
      const q = await cli.run(['query', '--url', hub.url, '--bsn', bsn, '--json']);
      expect(q.code, q.stderr).toBe(0);
      const a = JSON.parse(q.stdout) as {
        soort: string;
        dossier?: { client: { bron: { cdPartijSuwi: string } } };
      };
      expect(['gegevens', 'nietsGevonden']).toContain(a.soort);
      if (a.soort === 'gegevens') {
        answered++;
        expect(a.dossier!.client.bron.cdPartijSuwi).toBe('0599');
      }
    }
    expect(answered).toBeGreaterThan(0);

    expect(await stopped(g.child)).toBe(0);
    expect(await stopped(hub.child)).toBe(0);
    expect(g.stderr() + hub.stderr()).not.toMatch(/\b[0-9]{9}\b/);
  }, 60_000);

  it('gemeente serve refuses an interface version it does not have', async () => {
    const r = await cli.run([
      'gemeente',
      'serve',
      '--code',
      '0599',
      '--data',
      'x.xml',
      '--port',
      '0',
      '--versie',
      'v0400',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('v0400');
  });
});
