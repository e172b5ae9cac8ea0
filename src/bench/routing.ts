/**
 * The routing benchmark: three simulated gemeenten, one per delivery method, whose web
 * services answer in 100 ms, all knowing the same clients. At a steady 100 questions per
 * second the hub is asked, and in the same run, at the same moments, the slowest gemeente
 * is asked directly; the difference is the hub's own overhead (verwijsindex, fan-out, file
 * reads, merge, encoding). Then one gemeente hangs, and the answer times are set against
 * the hub's deadline. The hub (`dkd serve`) and the web service gemeenten (`dkd gemeente
 * serve`) run as their own processes, as in production; this process only asks.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NIEUWSTE_VERSIE } from '../batch/format.js';
import { VerzamelbestandWriter } from '../batch/writer.js';
import { bedrag, clustersVan, type Dossier } from '../domain/model.js';
import { encodeDossier } from '../domain/json.js';
import { elfproef } from '../domain/values.js';
import { callSoap } from '../routing/soap-client.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { bijstandsregelingenV0500 as svc, type DataAntwoord } from '../suwiml/services/index.js';
import type { XElement } from '../suwiml/xml/tree.js';
import type { BenchContext, BenchResult, BenchSuite } from './types.js';

const HUB_OIN = '00000001000000000001';
const AFNEMER_OIN = '00000001000000000002';
const oinOf = (code: string) => `000000010000000${code}0`;
const BATCH = '0363';
const WS = '0599';
const COMBI = '0344';
const SERVICE_DELAY_MS = 100;
const RATE_PER_S = 100;

/** The n-th BSN of a run: nine digits that pass the elfproef, counting up from a fixed start. */
export function benchBsn(n: number): string {
  let base = 200_000_000 + n * 100;
  for (;;) {
    const s = String(base);
    if (elfproef(s)) return s;
    base++;
  }
}

/** A small but complete dossier: a client, an application, a claim and a benefit, all with the gemeente's Bron. */
function benchDossier(bsn: string, gemeente: string, n: number): Dossier {
  const bron = { cdKolomSuwi: 4, cdPartijSuwi: gemeente };
  return {
    client: {
      burgerservicenr: bsn,
      voorletters: 'J',
      significantDeelVanDeAchternaam: `Bench${String.fromCharCode(97 + (n % 26))}`,
      geslacht: String(1 + (n % 2)),
      geboortedat: `19${String(50 + (n % 50)).padStart(2, '0')}0101`,
      bron,
    },
    bijstandsregelingen: {
      aanvraagUitkering: [{ datAanvraagUitkering: '20240105', szWet: { cdSzWet: 'PW' }, bron }],
      vordering: [
        {
          identificatienrVordering: `${gemeente}${String(n).padStart(11, '0')}`,
          cdRedenVordering: '01',
          bedrSaldoVordering: bedrag(-(n % 50_000)),
          szWet: { cdSzWet: 'PW' },
          partnerVordering: [],
          bron,
        },
      ],
      specifiekeGegevensBijzBijstand: [],
      uitkeringsverhouding: [
        {
          datBUitkeringsverhouding: '20240201',
          szWet: { cdSzWet: 'PW' },
          inkomstenInvloedOpBijstandUitk: [],
          uitkeringsperiode: [
            {
              datBUitkeringsperiode: '20240201',
              maatregelMbtUitkering: [],
              normbedrag: [{ cdSrtNormbedrag: '01', cdMunteenheid: 'EUR', waardeBedr: 109543n }],
            },
          ],
          bron,
        },
      ],
    },
  } as unknown as Dossier;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  ms: number;
  /** The kind of failure, or, once decoded, of answer. */
  kind: string;
  /** The answer's body, decoded after the measurement so that decoding does not take CPU from it. */
  payload?: XElement;
  antwoord?: DataAntwoord;
}

async function ask(url: string, bsn: string, oin: string, timeoutMs: number): Promise<Answer> {
  const t0 = performance.now();
  const r = await callSoap({
    url,
    action: svc.actions.request,
    body: svc.encodeRequest(bsn as never),
    from: `https://bench.invalid/dkd?oin=${oin}`,
    timeoutMs,
  });
  const ms = performance.now() - t0;
  return r.ok ? { ms, kind: 'ontvangen', payload: r.env.payload } : { ms, kind: r.kind };
}

function decode(answers: Answer[]): Answer[] {
  for (const a of answers) {
    if (!a.payload) continue;
    const d = svc.decodeAntwoord(a.payload);
    a.kind = d.ok ? d.value.soort : 'ongeldig';
    if (d.ok) a.antwoord = d.value;
    delete a.payload;
  }
  return answers;
}

/** Fires `count` questions at a steady rate (open loop: a slow answer never delays the next question). */
async function steady<T>(count: number, fire: (i: number) => Promise<T>): Promise<T[]> {
  const t0 = performance.now();
  const pending: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / RATE_PER_S - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(fire(i));
  }
  return Promise.all(pending);
}

/** How many answers of each kind, e.g. `gegevens 200`. */
function kinds(answers: Answer[]): string {
  const n = new Map<string, number>();
  for (const a of answers) n.set(a.kind, (n.get(a.kind) ?? 0) + 1);
  return [...n].map(([k, c]) => `${k} ${c}`).join(', ');
}

function parties(a: DataAntwoord | undefined): string[] {
  if (a?.soort !== 'gegevens') return [];
  return [...new Set(a.dossier.bijstandsregelingen?.uitkeringsverhouding.map((u) => u.bron.cdPartijSuwi))];
}

/** CPU seconds the hub process has used so far, from its own /metrics. */
async function hubCpuSeconds(hubUrl: string): Promise<number> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text();
  const m = /^dkd_process_process_cpu_seconds_total (\S+)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

const DKD = fileURLToPath(new URL('../../bin/dkd.js', import.meta.url));

interface Proc {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs a `dkd` command as its own process, as in production, so that the hub, the
 * gemeenten and the load each have their own event loop; resolves with the URL it prints.
 */
function dkd(args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [DKD, ...args], {
    env: { ...process.env, DATABASE_URL: '', DKD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /luistert op (http:\/\/\S+)/.exec(err);
      if (m)
        resolve({
          url: m[1]!.replace(/\/+$/, ''),
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
    });
    void exited.then(() => reject(new Error(`dkd ${args[0]} stopped: ${err.slice(0, 500)}`)));
  });
}

async function registerGemeente(
  store: Store,
  code: string,
  methode: 'batch' | 'webservice' | 'combinatie',
  url?: string,
) {
  await store.upsertGemeente({
    code,
    naam: `Benchgemeente ${code}`,
    oin: oinOf(code),
    methode,
    endpoints: url ? [{ dienst: 'bijstandsregelingen', url: `${url}/${svc.path}`, versie: svc.versie }] : [],
  });
}

async function loadFile(store: Store, code: string, dossiers: Dossier[]) {
  const id = await store.beginGeneratie(code, null);
  await store.writeDossiers(
    id,
    dossiers.map((d) => ({
      bsn: d.client.burgerservicenr,
      clusters: clustersVan(d),
      data: encodeDossier(d),
    })),
  );
  await store.activateGeneratie(id);
}

export const routingSuite: BenchSuite = {
  name: 'routing',
  description:
    "the hub's overhead over asking the slowest gemeente directly at 100 questions/s, and answer times with a gemeente hanging",
  async run(ctx: BenchContext): Promise<BenchResult> {
    const questions = ctx.quick ? 200 : 1000;
    const hangQuestions = ctx.quick ? 50 : 300;
    const deadlineMs = ctx.quick ? 1000 : 3000;
    const bsns = Array.from({ length: questions }, (_, i) => benchBsn(i));
    const dossiersOf = (code: string) => bsns.map((b, i) => benchDossier(b, code, i));
    const db = join(ctx.workDir, 'routing.sqlite');
    const fileOf = async (code: string) => {
      const file = join(ctx.workDir, `${code}.xml`);
      const out = createWriteStream(file);
      const closed = once(out, 'close');
      const w = new VerzamelbestandWriter(
        out,
        {
          cdPartijSuwi: code,
          soortLevering: 'volledig',
          datTijdAanmaak: '2026-11-01T06:00:00Z',
          formaatversie: NIEUWSTE_VERSIE.versie,
          aantalRecords: questions,
        } as never,
        NIEUWSTE_VERSIE,
      );
      for (const d of dossiersOf(code)) await w.dossier(d);
      await w.end();
      out.end();
      await closed;
      return file;
    };

    const procs: Proc[] = [];
    const store = await openStore({ file: db });
    try {
      ctx.log(`${questions} clients known to ${BATCH} (batch), ${WS} (webservice) and ${COMBI} (combinatie)`);
      await registerGemeente(store, BATCH, 'batch');
      await registerGemeente(store, WS, 'webservice');
      await registerGemeente(store, COMBI, 'combinatie');
      await loadFile(store, BATCH, dossiersOf(BATCH));
      await loadFile(store, COMBI, dossiersOf(COMBI));
      await store.upsertAfnemer({
        oin: AFNEMER_OIN,
        naam: 'Bench',
        diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
      });
      const wsFile = await fileOf(WS);
      const combiFile = await fileOf(COMBI);
      const serve = () =>
        dkd(['serve', '--insecure-dev', '--port', '0', '--db', db, '--deadline-ms', String(deadlineMs)]);
      const gemeente = (code: string, file: string, hub: string, extra: string[]) =>
        dkd(['gemeente', 'serve', '--code', code, '--data', file, '--port', '0', '--hub', hub, ...extra]);

      const hub = await serve();
      procs.push(hub);
      const ws = await gemeente(WS, wsFile, hub.url, ['--delay-ms', String(SERVICE_DELAY_MS)]);
      procs.push(ws);
      const combi = await gemeente(COMBI, combiFile, hub.url, ['--delay-ms', String(SERVICE_DELAY_MS)]);
      procs.push(combi);
      await registerGemeente(store, WS, 'webservice', ws.url);
      await registerGemeente(store, COMBI, 'combinatie', combi.url);
      const hubUrl = `${hub.url}/${svc.path}`;
      const directUrl = `${ws.url}/${svc.path}`;
      // The gemeenten register their clients through IBVerwijsindex as they start; wait until the hub knows them all.
      for (let i = 0; i < 600; i++) {
        const last = await store.verwijzingen(bsns.at(-1)!);
        if (new Set(last.map((v) => v.gemeente)).size === 3) break;
        await sleep(100);
      }

      for (let i = 0; i < 50; i++) {
        await ask(hubUrl, bsns[i]!, AFNEMER_OIN, 10_000);
        await ask(directUrl, bsns[i]!, HUB_OIN, 10_000);
      }

      ctx.log(
        `${questions} questions at ${RATE_PER_S}/s to the hub and, at the same moments, to ${WS} directly`,
      );
      const load = loadavg()[0]!;
      const cpu0 = await hubCpuSeconds(hub.url);
      const pairs = await steady(questions, (i) =>
        Promise.all([ask(hubUrl, bsns[i]!, AFNEMER_OIN, 10_000), ask(directUrl, bsns[i]!, HUB_OIN, 10_000)]),
      );
      const hubCpuMs = ((await hubCpuSeconds(hub.url)) - cpu0) * 1000;
      decode(pairs.flat());
      const hubMs = pairs.map(([h]) => h.ms).sort((a, b) => a - b);
      const directMs = pairs.map(([, d]) => d.ms).sort((a, b) => a - b);
      const complete = pairs.filter(([h]) => parties(h.antwoord).length === 3).length;
      const overheadP50 = percentile(hubMs, 50) - percentile(directMs, 50);
      const overheadP99 = percentile(hubMs, 99) - percentile(directMs, 99);

      ctx.log(`${WS} hangs; ${hangQuestions} questions at ${RATE_PER_S}/s, deadline ${deadlineMs} ms`);
      const hanging = await gemeente(WS, wsFile, hub.url, ['--hang']);
      procs.push(hanging);
      await registerGemeente(store, WS, 'webservice', hanging.url);
      // A fresh hub: it reads the changed registry at once and starts with closed circuits.
      const hangHub = await serve();
      procs.push(hangHub);
      const hangHubUrl = `${hangHub.url}/${svc.path}`;
      await ask(hangHubUrl, bsns[0]!, AFNEMER_OIN, deadlineMs * 3);
      const hangAnswers = await steady(hangQuestions, (i) =>
        ask(hangHubUrl, bsns[i % bsns.length]!, AFNEMER_OIN, deadlineMs * 3),
      );
      decode(hangAnswers);
      const hangMs = hangAnswers.map((a) => a.ms).sort((a, b) => a - b);
      const hangMax = hangMs.at(-1) ?? NaN;
      const warned = hangAnswers.filter(
        (a) =>
          a.antwoord?.soort === 'gegevens' &&
          parties(a.antwoord).length === 2 &&
          a.antwoord.meldingen.some((m) => m.soort === 'Waarschuwing' && m.tekst.includes(WS)),
      ).length;

      return {
        suite: 'routing',
        figures: {
          questions,
          'rate (questions/s)': RATE_PER_S,
          'gemeente service delay (ms)': SERVICE_DELAY_MS,
          'hub answers': kinds(pairs.map(([h]) => h)),
          'direct answers': kinds(pairs.map(([, d]) => d)),
          'answers with the Bron of all three': complete,
          'machine load (1 min) at start': round(load),
          'hub CPU per question (ms)': round(hubCpuMs / questions),
          'hub p50 (ms)': round(percentile(hubMs, 50)),
          'hub p99 (ms)': round(percentile(hubMs, 99)),
          'direct p50 (ms)': round(percentile(directMs, 50)),
          'direct p99 (ms)': round(percentile(directMs, 99)),
          'overhead p50 (ms)': round(overheadP50),
          'overhead p99 (ms)': round(overheadP99),
          'hang: questions': hangQuestions,
          'hang: deadline (ms)': deadlineMs,
          'hang: p50 (ms)': round(percentile(hangMs, 50)),
          'hang: p99 (ms)': round(percentile(hangMs, 99)),
          'hang: max (ms)': round(hangMax),
          'hang: answers': kinds(hangAnswers),
          'hang: answers with the others data and a Waarschuwing': warned,
        },
        targets: [
          { name: 'hub overhead p99 (ms)', limit: '< 20', value: round(overheadP99), met: overheadP99 < 20 },
          {
            name: 'hanging gemeente: slowest answer - deadline (ms)',
            limit: '<= 100',
            value: round(hangMax - deadlineMs),
            met: hangMax - deadlineMs <= 100,
          },
        ],
      };
    } finally {
      for (const p of procs.reverse()) await p.stop().catch(() => undefined);
      await store.close();
    }
  },
};
