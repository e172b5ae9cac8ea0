/**
 * One question about one BSN: look up the verwijsindex, ask every gemeente that holds data
 * in parallel (its delivered file from the store, or its own web service in real time, or
 * both for the combinatie method), each within its own deadline inside the overall one,
 * and merge what came back into one answer. A gemeente that fails, is too slow or answers
 * something invalid never costs the chain partner the others' data, nor the deadline.
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Dispatcher } from 'undici';
import { CLUSTER, type Dossier } from '../domain/model.js';
import { decodeDossier } from '../domain/json.js';
import type { Bsn } from '../domain/values.js';
import type { Melding } from '../suwiml/fwi.js';
import { dataService, type DataAntwoord, type DataService } from '../suwiml/services/index.js';
import type { DataDienst, Gemeente, Store, StoredDossier } from '../store/types.js';
import { fwi, MELDINGEN } from '../http/meldingen.js';
import type { HubMetrics } from '../http/metrics.js';
import { callSoap } from './soap-client.js';

export interface RouterConfig {
  /** Overall deadline from receiving the question to sending the answer. */
  deadlineMs: number;
  /** A gemeente's own deadline when the registry gives none. */
  gemeenteDeadlineMs: number;
  /** Time kept back from the overall deadline for merging, protocol and sending. */
  marginMs: number;
  /** Outgoing calls at once, over all gemeenten; more are refused at once. */
  maxConcurrentCalls: number;
  /** Consecutive failures that open a gemeente's circuit, and how long it stays open. */
  breakerFailures: number;
  breakerOpenMs: number;
  /** How long the registry is cached. */
  registryTtlMs: number;
  hubOin: string;
  /** This hub's address, used in wsa:From of questions to gemeenten. */
  hubAddress: string;
  /** Bron DN of the hub's FWI messages. */
  dn: string;
}

export const DEFAULT_ROUTER_CONFIG: Omit<RouterConfig, 'hubOin' | 'hubAddress' | 'dn'> = {
  deadlineMs: 3000,
  gemeenteDeadlineMs: 2500,
  marginMs: 60,
  maxConcurrentCalls: 512,
  breakerFailures: 5,
  breakerOpenMs: 10_000,
  registryTtlMs: 2000,
};

export type Uitkomst =
  'gegevens' | 'nietsGevonden' | 'timeout' | 'fout' | 'ongeldig' | 'overgeslagen' | 'nietGerechtigd';

/** What one gemeente contributed, for the answer, the protocol and the metrics. */
export interface BronUitkomst {
  gemeente: string;
  methode: Gemeente['methode'];
  bron: 'bestand' | 'webservice';
  uitkomst: Uitkomst;
  ms: number;
  /** A combinatie gemeente answered from its file because its service failed. */
  terugval?: boolean;
  messageId?: string;
}

export interface RoutingResult {
  antwoord: DataAntwoord;
  bronnen: BronUitkomst[];
}

export interface Transport {
  /** The dispatcher for calls to a gemeente (TLS client certificate); default: undici's global. */
  dispatcher?: Dispatcher;
  sign?: (envelope: string) => string;
  verify?: (raw: string, gemeente: Gemeente) => string | undefined;
}

interface Bijdrage {
  gemeente: string;
  dossier: Dossier;
  /** ms since epoch: how fresh the data is (now for a web service, the activation time for a file). */
  versheid: number;
}

const clusterOf = (d: DataDienst) =>
  d === 'bijstandsregelingen' ? CLUSTER.bijstandsregelingen : CLUSTER.reintegratie;

/** Every Bron in a dossier (CdPartijSuwi): a gemeente may only answer with data of its own. */
function bronnenVan(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) bronnenVan(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      const partij =
        k === 'bron' && x && typeof x === 'object'
          ? (x as { cdPartijSuwi?: unknown }).cdPartijSuwi
          : undefined;
      if (typeof partij === 'string') out.push(partij);
      else if (x && typeof x === 'object') bronnenVan(x, out);
    }
  return out;
}

export class Router {
  private registry: { at: number; byCode: Map<string, Gemeente> } | undefined;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly calls: BulkheadPolicy;

  constructor(
    private readonly store: Store,
    readonly config: RouterConfig,
    private readonly metrics?: HubMetrics,
    private readonly transport: Transport = {},
  ) {
    this.calls = bulkhead(config.maxConcurrentCalls, 0);
  }

  /** Forget the cached registry (after a change in this process). */
  invalidate(): void {
    this.registry = undefined;
  }

  private async gemeenten(): Promise<Map<string, Gemeente>> {
    const now = Date.now();
    if (!this.registry || now - this.registry.at > this.config.registryTtlMs) {
      const list = await this.store.listGemeenten();
      this.registry = { at: now, byCode: new Map(list.map((g) => [g.code, g])) };
    }
    return this.registry.byCode;
  }

  private breaker(code: string): CircuitBreakerPolicy {
    let b = this.breakers.get(code);
    if (!b) {
      b = circuitBreaker(handleAll, {
        halfOpenAfter: this.config.breakerOpenMs,
        breaker: new ConsecutiveBreaker(this.config.breakerFailures),
      });
      b.onStateChange((s) =>
        this.metrics?.circuitOpen.set({ gemeente: code }, s === CircuitState.Open ? 1 : 0),
      );
      this.breakers.set(code, b);
    }
    return b;
  }

  /** Answers a question; `received` is performance.now() when it arrived. */
  async ask(dienst: DataDienst, bsn: Bsn, received = performance.now()): Promise<RoutingResult> {
    const deadline = received + this.config.deadlineMs - this.config.marginMs;
    const cluster = clusterOf(dienst);
    const [verwijzingen, registry] = await Promise.all([this.store.verwijzingen(bsn), this.gemeenten()]);
    const codes = [
      ...new Set(verwijzingen.filter((v) => v.cluster === cluster).map((v) => v.gemeente)),
    ].sort();
    const gemeenten = codes.map((c) => registry.get(c)).filter((g): g is Gemeente => g !== undefined);
    if (gemeenten.length === 0) return { antwoord: { soort: 'nietsGevonden' }, bronnen: [] };

    // One read for every gemeente that delivered a file; a failure costs each of them their data only.
    const fileCodes = gemeenten.filter((g) => g.methode !== 'webservice').map((g) => g.code);
    const files: Promise<Map<string, StoredDossier>> = fileCodes.length
      ? this.store.getDossiers(bsn, fileCodes).then((rows) => new Map(rows.map((r) => [r.gemeente, r])))
      : Promise.resolve(new Map());
    files.catch(() => undefined);
    const results = await Promise.all(
      gemeenten.map((g) => this.askGemeente(g, dienst, bsn, deadline, files)),
    );
    const bronnen = results.map((r) => r.uitkomst);
    const meldingen: Melding[] = results.flatMap((r) => r.meldingen);
    const bijdragen = results.flatMap((r) => (r.bijdrage ? [r.bijdrage] : []));
    for (const r of results) {
      const u = r.uitkomst;
      this.metrics?.gemeenteOutcomes.inc({ gemeente: u.gemeente, bron: u.bron, outcome: u.uitkomst });
      this.metrics?.gemeenteDuration.observe(
        { gemeente: u.gemeente, bron: u.bron, outcome: u.uitkomst },
        u.ms / 1000,
      );
      if (u.uitkomst === 'nietsGevonden') this.metrics?.verwijsindexMismatch.inc({ gemeente: u.gemeente });
    }
    if (bijdragen.length)
      return { antwoord: { soort: 'gegevens', dossier: merge(bijdragen), meldingen }, bronnen };
    const failed = meldingen.filter((m) => m.soort === 'Waarschuwing');
    if (failed.length)
      return {
        antwoord: { soort: 'fwi', meldingen: [fwi(MELDINGEN.nietBeschikbaar, this.config.dn), ...failed] },
        bronnen,
      };
    return { antwoord: { soort: 'nietsGevonden' }, bronnen };
  }

  private async askGemeente(
    g: Gemeente,
    dienst: DataDienst,
    bsn: Bsn,
    deadline: number,
    files: Promise<Map<string, StoredDossier>>,
  ): Promise<{ uitkomst: BronUitkomst; meldingen: Melding[]; bijdrage?: Bijdrage }> {
    const t0 = performance.now();
    const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
    const dn = this.config.dn;
    // A store failure or an unreadable stored dossier costs this gemeente's data, never the answer;
    // and a file read that is not awaited (the service answered) must not reject unobserved.
    const fromFile = () =>
      this.fromFile(g, dienst, files).then(
        (f) => ({ f, failed: false }),
        () => ({ f: undefined, failed: true }),
      );
    if (g.methode === 'batch') {
      const { f, failed } = await fromFile();
      return {
        uitkomst: {
          gemeente: g.code,
          methode: g.methode,
          bron: 'bestand',
          uitkomst: f ? 'gegevens' : failed ? 'fout' : 'nietsGevonden',
          ms: elapsed(),
        },
        meldingen: failed ? [fwi(MELDINGEN.gemeenteFout, dn, { g: g.code })] : [],
        ...(f && { bijdrage: f.bijdrage }),
      };
    }
    // webservice or combinatie; a combinatie gemeente's file is read at once, so falling back costs nothing.
    const file = g.methode === 'combinatie' ? fromFile() : undefined;
    const ws = await this.fromService(g, dienst, bsn, deadline);
    if (
      ws.uitkomst === 'gegevens' ||
      ws.uitkomst === 'nietsGevonden' ||
      ws.uitkomst === 'nietGerechtigd' ||
      !file
    ) {
      const def =
        ws.uitkomst === 'timeout'
          ? MELDINGEN.gemeenteTijd
          : ws.uitkomst === 'ongeldig'
            ? MELDINGEN.gemeenteOngeldig
            : ws.uitkomst === 'overgeslagen'
              ? MELDINGEN.gemeenteOvergeslagen
              : ws.uitkomst === 'fout' || ws.uitkomst === 'nietGerechtigd'
                ? MELDINGEN.gemeenteFout
                : undefined;
      return {
        uitkomst: {
          gemeente: g.code,
          methode: g.methode,
          bron: 'webservice',
          uitkomst: ws.uitkomst,
          ms: elapsed(),
          ...(ws.messageId && { messageId: ws.messageId }),
        },
        meldingen: def ? [fwi(def, dn, { g: g.code })] : [],
        ...(ws.bijdrage && { bijdrage: ws.bijdrage }),
      };
    }
    const { f } = await file;
    const meldingen: Melding[] = f
      ? [fwi(MELDINGEN.uitBestand, dn, { g: g.code, d: f.datum })]
      : [fwi(ws.uitkomst === 'timeout' ? MELDINGEN.gemeenteTijd : MELDINGEN.gemeenteFout, dn, { g: g.code })];
    return {
      uitkomst: {
        gemeente: g.code,
        methode: g.methode,
        bron: 'bestand',
        uitkomst: f ? 'gegevens' : ws.uitkomst,
        ms: elapsed(),
        terugval: true,
        ...(ws.messageId && { messageId: ws.messageId }),
      },
      meldingen,
      ...(f && { bijdrage: f.bijdrage }),
    };
  }

  private async fromFile(
    g: Gemeente,
    dienst: DataDienst,
    files: Promise<Map<string, StoredDossier>>,
  ): Promise<{ bijdrage: Bijdrage; datum: string } | undefined> {
    const row = (await files).get(g.code);
    if (!row) return undefined;
    const dossier = decodeDossier(row.data);
    if (!(dienst === 'bijstandsregelingen' ? dossier.bijstandsregelingen : dossier.reintegratie))
      return undefined;
    const datum = row.actiefSinds.slice(0, 10).replaceAll('-', '');
    return { bijdrage: { gemeente: g.code, dossier, versheid: Date.parse(row.actiefSinds) }, datum };
  }

  private async fromService(
    g: Gemeente,
    dienst: DataDienst,
    bsn: Bsn,
    deadline: number,
  ): Promise<{ uitkomst: Uitkomst; bijdrage?: Bijdrage; messageId?: string }> {
    const ep = g.endpoints.find((e) => e.dienst === dienst);
    const svc: DataService | undefined = ep ? dataService(dienst, ep.versie) : undefined;
    if (!ep || !svc) return { uitkomst: 'fout' };
    const own = g.deadlineMs ?? this.config.gemeenteDeadlineMs;
    const timeoutMs = Math.max(1, Math.min(own, deadline - performance.now()));
    const breaker = this.breaker(g.code);
    try {
      return await breaker.execute(() =>
        this.calls.execute(async () => {
          const r = await callSoap({
            url: ep.url,
            action: svc.actions.request,
            body: svc.encodeRequest(bsn),
            from: `${this.config.hubAddress}?oin=${this.config.hubOin}`,
            to: `${ep.url}?oin=${g.oin}`,
            timeoutMs,
            ...(this.transport.dispatcher && { dispatcher: this.transport.dispatcher }),
            ...(this.transport.sign && { sign: this.transport.sign }),
            ...(this.transport.verify && { verify: (raw: string) => this.transport.verify!(raw, g) }),
          });
          if (!r.ok) {
            // Failures count for the breaker; the value travels in the error.
            throw new GemeenteFailure(
              r.kind === 'timeout' ? 'timeout' : r.kind === 'ongeldig' ? 'ongeldig' : 'fout',
              r.messageId,
            );
          }
          const a = svc.decodeAntwoord(r.env.payload);
          if (!a.ok) throw new GemeenteFailure('ongeldig', r.messageId);
          const v = a.value;
          if (v.soort === 'nietsGevonden')
            return { uitkomst: 'nietsGevonden' as const, messageId: r.messageId };
          if (v.soort === 'nietGerechtigd')
            return { uitkomst: 'nietGerechtigd' as const, messageId: r.messageId };
          if (v.soort === 'fwi') throw new GemeenteFailure('fout', r.messageId);
          if (v.dossier.client.burgerservicenr !== bsn || bronnenVan(v.dossier).some((p) => p !== g.code))
            throw new GemeenteFailure('ongeldig', r.messageId);
          return {
            uitkomst: 'gegevens' as const,
            bijdrage: { gemeente: g.code, dossier: v.dossier, versheid: Date.now() },
            messageId: r.messageId,
          };
        }),
      );
    } catch (e) {
      if (e instanceof GemeenteFailure)
        return { uitkomst: e.uitkomst, ...(e.messageId && { messageId: e.messageId }) };
      if (e instanceof BrokenCircuitError || e instanceof BulkheadRejectedError)
        return { uitkomst: 'overgeslagen' };
      return { uitkomst: 'fout' };
    }
  }
}

class GemeenteFailure extends Error {
  constructor(
    readonly uitkomst: Uitkomst,
    readonly messageId?: string,
  ) {
    super(uitkomst);
  }
}

/**
 * One dossier from several gemeenten: the person from the freshest source, and every
 * application, benefit, claim, special assistance, re-integration and participatieladder
 * element kept, each with its own Bron, in the order of the gemeente codes.
 */
export function merge(parts: readonly Bijdrage[]): Dossier {
  const sorted = [...parts].sort((a, b) => a.gemeente.localeCompare(b.gemeente));
  const freshest = [...parts].sort(
    (a, b) => b.versheid - a.versheid || a.gemeente.localeCompare(b.gemeente),
  )[0]!;
  const withB = sorted.filter((p) => p.dossier.bijstandsregelingen);
  const withR = sorted.filter((p) => p.dossier.reintegratie);
  return {
    client: freshest.dossier.client,
    ...(withB.length && {
      bijstandsregelingen: {
        aanvraagUitkering: withB.flatMap((p) => p.dossier.bijstandsregelingen!.aanvraagUitkering),
        vordering: withB.flatMap((p) => p.dossier.bijstandsregelingen!.vordering),
        specifiekeGegevensBijzBijstand: withB.flatMap(
          (p) => p.dossier.bijstandsregelingen!.specifiekeGegevensBijzBijstand,
        ),
        uitkeringsverhouding: withB.flatMap((p) => p.dossier.bijstandsregelingen!.uitkeringsverhouding),
      },
    }),
    ...(withR.length && {
      reintegratie: {
        atlRelatie: withR.flatMap((p) => p.dossier.reintegratie!.atlRelatie),
        participatieladder: withR.flatMap((p) => p.dossier.reintegratie!.participatieladder),
      },
    }),
  };
}
