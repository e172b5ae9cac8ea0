/** `dkd serve` and `dkd query`: the hub, and a question to it as a chain partner would ask. */
import { Option, type Command } from 'commander';
import { openStore, storeOptionsFromEnv } from '../store/open.js';
import { startHubServer, ServeError } from '../http/start.js';
import { callSoap } from '../routing/soap-client.js';
import { securityFromFlags } from '../security/config.js';
import { StoreReplayGuard } from '../security/replay.js';
import { protocolKeyFromEnv } from '../audit/protocol.js';
import { Burgerservicenr } from '../domain/values.js';
import { Violation } from '../domain/values.js';
import { dataService } from '../suwiml/services/index.js';
import { DB_OPTION as DB, EXIT, printJson, tlsFlags, type TlsFlags, UserError } from './util.js';
import { registerDemoCommand } from './demo.js';
import { registerGemeenteServeCommand } from './gemeente-serve.js';

/** Every gemeente (CdPartijSuwi) whose data is in a dossier. */
function bronnen(v: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(v)) for (const x of v) bronnen(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'cdPartijSuwi' && typeof x === 'string') out.add(x);
      else bronnen(x, out);
    }
  return [...out].sort();
}

function port(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`ongeldige poort ${s}`, EXIT.usage);
  return n;
}

/** Runs until SIGINT/SIGTERM, then stops cleanly. */
export function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerHubCommands(program: Command): void {
  program
    .command('serve')
    .description('the hub: SOAP endpoints, portal, health, metrics')
    .option('--port <port>', 'port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(...DB)
    .option(
      '--tls-cert <file>',
      'server certificate (PEM); with --tls-key and --tls-ca: HTTPS with client certificates',
    )
    .option('--tls-key <file>', 'server key (PEM)')
    .option('--tls-ca <file>', 'CA certificates (PEM) whose client certificates are accepted')
    .option('--sign-cert <file>', 'sign with this certificate instead of the TLS one (same OIN)')
    .option('--sign-key <file>', 'the key of --sign-cert')
    .option('--max-age-s <s>', 'how old a signed request (wsu:Created) may be', '300')
    .option(
      '--protocol-key-file <file>',
      'key of the BSN hashes in the protocol (default DKD_PROTOCOL_KEY_FILE or DKD_PROTOCOL_KEY)',
    )
    .option('--insecure-dev', 'plain HTTP on loopback only; the caller is the OIN in wsa:From ?oin=')
    .option('--oin <oin>', "the hub's own OIN (default: from its certificate; in dev mode a test OIN)")
    .option('--public-url <url>', 'the base URL chain partners use (for WSDL addresses)')
    .option('--deadline-ms <ms>', 'overall deadline for an answer', '3000')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const deadlineMs = Number(o.deadlineMs);
      if (!Number.isInteger(deadlineMs) || deadlineMs < 100)
        throw new UserError('--deadline-ms moet een geheel getal van minstens 100 zijn', EXIT.usage);
      const maxAgeSeconds = Number(o.maxAgeS);
      if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1)
        throw new UserError('--max-age-s moet een positief geheel getal zijn', EXIT.usage);
      if (o.insecureDev && (o.tlsCert || o.tlsKey || o.tlsCa))
        throw new UserError('--insecure-dev gaat niet samen met --tls-*', EXIT.usage);
      const tls = tlsFlags(o as TlsFlags);
      // The store is opened first: the replay guard lives in it, shared by all hub processes.
      const store = await openStore(storeOptionsFromEnv(o.db as string | undefined));
      let security: ReturnType<typeof securityFromFlags>;
      try {
        security = securityFromFlags({
          ...tls,
          maxAgeSeconds,
          replayGuard: new StoreReplayGuard(store),
        });
      } catch (e) {
        await store.close();
        throw e;
      }
      try {
        if (security && typeof o.oin === 'string' && o.oin !== security.oin)
          throw new UserError(
            `--oin ${o.oin} is niet het OIN van het certificaat (${security.oin}); laat --oin weg`,
            EXIT.usage,
          );
        const key = protocolKeyFromEnv(typeof o.protocolKeyFile === 'string' ? o.protocolKeyFile : undefined);
        const hub = await startHubServer({
          ...(key && { protocolKey: key }),
          ...(security && { hubOin: security.oin, extra: security.hub }),
          port: port(String(o.port)),
          host: String(o.host),
          store,
          insecureDev: Boolean(o.insecureDev),
          deadlineMs,
          ...(typeof o.oin === 'string' && { hubOin: o.oin }),
          ...(typeof o.publicUrl === 'string' && { publicUrl: o.publicUrl }),
        });
        process.stderr.write(
          `DKD hub luistert op ${hub.url} (store: ${hub.store.engine}${security ? `, tweezijdig TLS en WS-Security, OIN ${security.oin}` : ', ONVEILIG: alleen voor lokaal werk'})\n`,
        );
        await untilSignal(async () => {
          await hub.close();
          await security?.close();
          await store.close();
        });
      } catch (e) {
        await security?.close();
        await store.close();
        if (e instanceof ServeError) throw new UserError(e.message, EXIT.usage);
        throw e;
      }
    });

  registerDemoCommand(program);
  registerGemeenteServeCommand(program);

  program
    .command('query')
    .description('ask the hub as a chain partner would')
    .requiredOption('--url <url>', 'base URL of the hub')
    .requiredOption('--bsn <bsn>', 'Burgerservicenr')
    .addOption(
      new Option('--service <service>', 'service')
        .choices(['bijstandsregelingen', 'reintegratie'])
        .default('bijstandsregelingen'),
    )
    .option('--versie <versie>', 'interface version (default: the newest)')
    .option(
      '--oin <oin>',
      'the OIN you ask as (in wsa:From; default: from --tls-cert)',
      '00000001000000000002',
    )
    .option(
      '--tls-cert <file>',
      'client certificate (PEM): two-way TLS, signed question, signed answer required',
    )
    .option('--tls-key <file>', 'key of the client certificate')
    .option('--tls-ca <file>', 'CA certificates (PEM) trusted for the hub')
    .option('--timeout-ms <ms>', 'give up after', '10000')
    .option('--json', 'print the answer as JSON')
    .action(
      async (o: {
        url: string;
        bsn: string;
        service: 'bijstandsregelingen' | 'reintegratie';
        versie?: string;
        oin: string;
        timeoutMs: string;
        json?: boolean;
        tlsCert?: string;
        tlsKey?: string;
        tlsCa?: string;
      }) => {
        if (Burgerservicenr.parse(o.bsn) instanceof Violation)
          throw new UserError('--bsn is geen geldig Burgerservicenr', EXIT.usage);
        const svc = dataService(o.service, o.versie);
        if (!svc)
          throw new UserError(`versie ${o.versie} van ${o.service} wordt niet ondersteund`, EXIT.usage);
        const security = securityFromFlags({
          ...(o.tlsCert && { tlsCert: o.tlsCert }),
          ...(o.tlsKey && { tlsKey: o.tlsKey }),
          ...(o.tlsCa && { tlsCa: o.tlsCa }),
        });
        const r = await callSoap({
          url: `${o.url.replace(/\/+$/, '')}/${svc.path}`,
          action: svc.actions.request,
          body: svc.encodeRequest(o.bsn as never),
          from: `https://dkd-query.invalid/?oin=${security?.oin ?? o.oin}`,
          timeoutMs: Number(o.timeoutMs),
          ...security?.client(),
        }).finally(() => security?.close());
        if (!r.ok) throw new UserError(`geen antwoord: ${r.reason}${r.faultCode ? ` (${r.faultCode})` : ''}`);
        const a = svc.decodeAntwoord(r.env.payload);
        if (!a.ok)
          throw new UserError(
            `het antwoord voldoet niet aan ${svc.path}: ${a.findings[0]?.path} ${a.findings[0]?.rule}`,
          );
        const v = a.value;
        if (o.json) {
          printJson({ service: svc.path, ms: r.ms, ...v });
          return;
        }
        const lines = [`${svc.path}: ${v.soort} (${r.ms} ms)`];
        if (v.soort === 'gegevens') {
          const d = v.dossier;
          const b = d.bijstandsregelingen;
          const re = d.reintegratie;
          lines.push(
            `  client: ${[d.client.voorletters, d.client.voorvoegsel, d.client.significantDeelVanDeAchternaam].filter(Boolean).join(' ')} (bron ${d.client.bron?.cdPartijSuwi ?? '-'})`,
          );
          if (b)
            lines.push(
              `  aanvragen ${b.aanvraagUitkering.length}, vorderingen ${b.vordering.length}, bijzondere bijstand ${b.specifiekeGegevensBijzBijstand.length}, uitkeringsverhoudingen ${b.uitkeringsverhouding.length}`,
            );
          if (re) lines.push(`  re-integratie: ${re.atlRelatie.length} ATL-relaties`);
          lines.push(`  bronnen: ${bronnen(d).join(', ')}`);
        }
        if (v.soort === 'gegevens' || v.soort === 'fwi')
          for (const m of v.meldingen) lines.push(`  ${m.soort} ${m.code}: ${m.tekst}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
