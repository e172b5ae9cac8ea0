/**
 * Protocollering: every question, answer and refusal about a person, recorded before the
 * answer leaves, in the store's append-only, hash-chained protocol; the answer to "who asked
 * about this person, when, and what did they get"; and the check that the chain is whole.
 *
 * The BSN is never stored as such. An entry carries an HMAC-SHA-256 of the BSN under a key
 * the operator configures (docs/privacy.md says why): whoever holds the key can find a
 * person's entries by BSN; whoever holds only the database cannot turn the column back into
 * BSNs by trying all of the fewer than a billion possible numbers.
 *
 * May import the store; the HTTP layer and the command line use it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GENESIS_HASH, protocolHash } from '../store/protocol.js';
import type { ProtocolEntry, Store } from '../store/types.js';

/** What one gemeente contributed to an answer (the router's BronUitkomst, without the dossier). */
export interface ProtocolBron {
  gemeente: string;
  methode?: string;
  bron: string;
  uitkomst: string;
  ms: number;
  terugval?: boolean;
  messageId?: string;
}

/** What is protocolled of every question, answer and refusal. */
export interface ProtocolEvent {
  tijd: string;
  /** The caller's OIN as established (its certificate; in dev mode wsa:From); null when unknown. */
  oin: string | null;
  /** The OIN wsa:From claimed, when it is not (yet) established: for refusals. */
  afzenderOin?: string | null;
  dienst: string;
  versie: string;
  /** The BSN asked about; hashed before it is stored, never kept as such. */
  bsn: string | null;
  /** The request's wsa:MessageID. */
  messageId: string | null;
  /** The wsa:MessageID of the answer. */
  antwoordMessageId?: string | null;
  /** Kind of result: gegevens, nietsGevonden, fwi, nietGerechtigd, geweigerd, aanmelding, ... */
  uitkomst: string;
  /** The gemeenten asked and the outcome of each. */
  bronnen: readonly ProtocolBron[];
  ms: number;
  /** The FWI code of a refusal. */
  fout?: string;
}

/** An entry as read back: the event (without the BSN) plus its place in the chain. */
export interface AuditEntry {
  volgnr: number;
  tijd: string;
  oin: string | null;
  afzenderOin?: string;
  dienst: string;
  versie: string;
  messageId: string | null;
  antwoordMessageId: string | null;
  uitkomst: string;
  bronnen: ProtocolBron[];
  ms: number;
  fout?: string;
  /** Which key hashed the BSN (see ProtocolKey.id). */
  sleutel: string;
  hash: string;
}

/** Version of the JSON form of an entry. */
const INHOUD_VERSIE = 1;

/** Refused: too short to stand up to guessing. */
const MIN_KEY_BYTES = 32;

/**
 * The key only for `--insecure-dev`, the demo and the tests. It is public (it is in this
 * source), so it protects nothing; a hub over TLS refuses to start with it.
 */
export const DEV_PROTOCOL_KEY = 'dkd-dev-protocolsleutel-niet-voor-productie-0000';

export class ProtocolKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolKeyError';
  }
}

export interface ProtocolKey {
  readonly secret: Buffer;
  /** A short, non-secret name of the key (an HMAC of a fixed text), stored with every entry. */
  readonly id: string;
  readonly dev: boolean;
}

export function protocolKey(secret: string | Buffer): ProtocolKey {
  const buf = typeof secret === 'string' ? Buffer.from(secret.trim(), 'utf8') : secret;
  if (buf.length < MIN_KEY_BYTES)
    throw new ProtocolKeyError(`de protocolsleutel moet minstens ${MIN_KEY_BYTES} bytes lang zijn`);
  const id = createHmac('sha256', buf).update('dkd-protocolsleutel-id').digest('hex').slice(0, 16);
  const dev = buf.equals(Buffer.from(DEV_PROTOCOL_KEY, 'utf8'));
  return { secret: buf, id, dev };
}

/**
 * The operator's key: the file named by `file` (or DKD_PROTOCOL_KEY_FILE), else the text of
 * DKD_PROTOCOL_KEY; undefined when neither is set.
 */
export function protocolKeyFromEnv(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
): ProtocolKey | undefined {
  const f = file ?? env.DKD_PROTOCOL_KEY_FILE;
  if (f) {
    let text: Buffer;
    try {
      text = readFileSync(f);
    } catch {
      throw new ProtocolKeyError(`het bestand met de protocolsleutel is niet te lezen: ${f}`);
    }
    return protocolKey(text.toString('utf8'));
  }
  const v = env.DKD_PROTOCOL_KEY;
  return v ? protocolKey(v) : undefined;
}

/** The keyed hash of a BSN under which its entries are stored and found. */
export function bsnSleutel(key: ProtocolKey, bsn: string): string {
  return createHmac('sha256', key.secret).update(bsn, 'utf8').digest('hex');
}

/** Canonical JSON: keys sorted at every level, so that the chain covers one exact text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** The protocol writer the hub is given: appends one entry, or throws (and the question is refused). */
export function protocolWriter(store: Store, key: ProtocolKey): (e: ProtocolEvent) => Promise<void> {
  return async (e) => {
    const inhoud = canonicalJson({
      v: INHOUD_VERSIE,
      sleutel: key.id,
      oin: e.oin,
      afzenderOin: e.afzenderOin ?? undefined,
      dienst: e.dienst,
      versie: e.versie,
      messageId: e.messageId,
      antwoordMessageId: e.antwoordMessageId ?? null,
      uitkomst: e.uitkomst,
      bronnen: e.bronnen.map((b) => ({
        gemeente: b.gemeente,
        methode: b.methode,
        bron: b.bron,
        uitkomst: b.uitkomst,
        ms: b.ms,
        terugval: b.terugval,
        messageId: b.messageId,
      })),
      ms: Math.round(e.ms * 10) / 10,
      fout: e.fout,
    });
    await store.appendProtocol({
      tijd: e.tijd,
      bsnSleutel: e.bsn ? bsnSleutel(key, e.bsn) : null,
      inhoud,
    });
  };
}

function toAuditEntry(p: ProtocolEntry): AuditEntry {
  const i = JSON.parse(p.inhoud) as Omit<AuditEntry, 'volgnr' | 'tijd' | 'hash'>;
  return {
    volgnr: p.volgnr,
    tijd: p.tijd,
    oin: i.oin ?? null,
    ...(i.afzenderOin && { afzenderOin: i.afzenderOin }),
    dienst: i.dienst,
    versie: i.versie,
    messageId: i.messageId ?? null,
    antwoordMessageId: i.antwoordMessageId ?? null,
    uitkomst: i.uitkomst,
    bronnen: i.bronnen ?? [],
    ms: i.ms,
    ...(i.fout !== undefined && { fout: i.fout }),
    sleutel: i.sleutel,
    hash: p.hash,
  };
}

/** Who asked about this person, when, and what they got: the entries for a BSN, oldest first. */
export async function protocolForBsn(store: Store, key: ProtocolKey, bsn: string): Promise<AuditEntry[]> {
  return (await store.protocolByBsn(bsnSleutel(key, bsn))).map(toAuditEntry);
}

export interface ChainReport {
  ok: boolean;
  /** Entries checked. */
  aantal: number;
  /** The last entry's hash: record it elsewhere to detect a rewrite of the whole chain. */
  kop: string;
  /** The first break found. */
  fout?: { volgnr: number; reden: string };
}

const PAGE = 1000;

/**
 * Walks the whole chain: sequence numbers without gaps from 1, each entry's vorigeHash the
 * hash of the one before, each hash recomputed from the entry's content, and the chain's head
 * (kept apart by the store) the last entry. A changed, removed or inserted entry breaks it.
 */
export async function verifyProtocolChain(store: Store): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let after = 0;
  const broken = (volgnr: number, reden: string): ChainReport => ({
    ok: false,
    aantal: expected - 1,
    kop: prev,
    fout: { volgnr, reden },
  });
  for (;;) {
    const page = await store.protocolPage(after, PAGE);
    for (const e of page) {
      if (e.volgnr !== expected)
        return broken(expected, `volgnummer ${expected} ontbreekt (gevonden: ${e.volgnr})`);
      if (!sameHex(e.vorigeHash, prev))
        return broken(e.volgnr, 'de vorige hash klopt niet: een eerder item is gewijzigd of verwijderd');
      const h = protocolHash(e);
      if (!sameHex(h, e.hash))
        return broken(e.volgnr, 'de inhoud past niet bij de hash: het item is gewijzigd');
      prev = e.hash;
      expected++;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.volgnr;
  }
  const head = await store.protocolHead();
  if (head.volgnr !== expected - 1 || !sameHex(head.hash, prev))
    return broken(
      expected,
      head.volgnr > expected - 1
        ? `de kop van het protocol staat op ${head.volgnr}: de laatste items zijn verwijderd`
        : 'de kop van het protocol past niet bij het laatste item',
    );
  return { ok: true, aantal: expected - 1, kop: prev };
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
