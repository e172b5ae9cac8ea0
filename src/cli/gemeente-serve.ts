/** `dkd gemeente serve`: a gemeente's own web service from a verzamelbestand. */
import { Option, type Command } from 'commander';
import { devGemeenteOin, GemeenteServeError, startGemeenteServer } from '../gemeente/serve.js';
import type { GemeenteServiceOptions } from '../gemeente/service.js';
import { securityFromFlags, type ChainSecurity } from '../security/config.js';
import { DATA_SERVICES } from '../suwiml/services/index.js';
import { untilSignal } from './hub.js';
import { EXIT, tlsFlags, type TlsFlags, UserError } from './util.js';

export interface GemeenteServeFlags extends TlsFlags {
  code: string;
  data: string;
  port: string;
  host: string;
  hub?: string;
  oin?: string;
  versie?: string;
  delayMs?: string;
  failRate?: string;
  hang?: boolean;
  maxAgeS?: string;
  /** The hub's OIN: its signed answers must be of this party, not just of a trusted CA. */
  hubOin?: string;
}

export interface GemeenteServeSetup {
  service: Omit<GemeenteServiceOptions, 'data'>;
  /** With the TLS flags: two-way TLS, signing and checks; undefined in plain-HTTP local work. */
  security?: ChainSecurity;
  /** The calls to the hub (IBVerwijsindex), signed over two-way TLS when security is set. */
  hubClient?: ReturnType<ChainSecurity['client']>;
}

function number(name: string, s: string, ok: (n: number) => boolean): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || !ok(n))
    throw new UserError(`${name} heeft een ongeldige waarde`, EXIT.usage);
  return n;
}

/**
 * The gemeente service as the flags describe it: the one place where the command's options
 * become a service, with its TLS, signing and the client side of its calls to the hub.
 */
export function serviceOptionsFromFlags(f: GemeenteServeFlags): GemeenteServeSetup {
  if (!/^[0-9]{4}$/.test(f.code)) throw new UserError('--code moet 4 cijfers zijn', EXIT.usage);
  const tls = tlsFlags(f);
  const secure = tls.tlsCert !== undefined;
  if (f.oin !== undefined && !/^[0-9]{20}$/.test(f.oin))
    throw new UserError('--oin moet 20 cijfers zijn', EXIT.usage);
  if (f.hubOin !== undefined && !/^[0-9]{20}$/.test(f.hubOin))
    throw new UserError('--hub-oin moet 20 cijfers zijn', EXIT.usage);
  if (f.hubOin !== undefined && !secure)
    throw new UserError('--hub-oin hoort bij --tls-cert, --tls-key en --tls-ca', EXIT.usage);
  const maxAgeSeconds =
    f.maxAgeS === undefined
      ? undefined
      : number('--max-age-s', f.maxAgeS, (n) => Number.isInteger(n) && n >= 1);
  const versie = f.versie ?? 'v0500';
  const bijstand = DATA_SERVICES.find((s) => s.dienst === 'bijstandsregelingen' && s.versie === versie);
  if (!bijstand)
    throw new UserError(
      `versie ${versie} van Bijstandsregelingen wordt niet ondersteund (beschikbaar: ${DATA_SERVICES.filter(
        (s) => s.dienst === 'bijstandsregelingen',
      )
        .map((s) => s.versie)
        .join(', ')})`,
      EXIT.usage,
    );
  const storing: NonNullable<GemeenteServiceOptions['storing']> = {};
  if (f.delayMs !== undefined)
    storing.delayMs = number('--delay-ms', f.delayMs, (n) => Number.isInteger(n) && n >= 0);
  if (f.failRate !== undefined) storing.failRate = number('--fail-rate', f.failRate, (n) => n >= 0 && n <= 1);
  if (f.hang) storing.hang = true;
  const service = {
    code: f.code,
    oin: f.oin ?? devGemeenteOin(f.code),
    services: [bijstand, ...DATA_SERVICES.filter((s) => s.dienst === 'reintegratie')],
    storing,
    logger: true,
  };
  // Last, so that a refused flag above leaves no TLS agent open.
  const security = securityFromFlags({
    ...tls,
    ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
  });
  if (!security) return { service };
  if (f.oin !== undefined && f.oin !== security.oin) {
    void security.close();
    throw new UserError(
      `--oin ${f.oin} is niet het OIN van het certificaat (${security.oin}); laat --oin weg`,
      EXIT.usage,
    );
  }
  return {
    service: { ...service, ...security.gemeente },
    security,
    hubClient: security.client(f.hubOin),
  };
}

export function registerGemeenteServeCommand(program: Command): void {
  const gemeente = program.commands.find((c) => c.name() === 'gemeente')!;
  gemeente
    .command('serve')
    .description(
      "a gemeente's own web service from a verzamelbestand (reference implementation and simulator)",
    )
    .requiredOption('--code <code>', 'CBS gemeentecode')
    .requiredOption('--data <file>', 'verzamelbestand to serve; reloaded when it changes')
    .requiredOption('--port <port>', 'port (0: any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--hub <url>',
      "keep this hub's verwijsindex in step through IBVerwijsindex (at start and when the file changes)",
    )
    .option('--oin <oin>', 'OIN of the gemeente (default in local work: 000000010000000<code>0)')
    .addOption(
      new Option('--versie <versie>', 'interface version of Bijstandsregelingen').choices(['v0500', 'v0400']),
    )
    .option('--delay-ms <n>', 'answer after this delay')
    .option('--fail-rate <r>', 'share of questions answered with a server error (0..1)')
    .option('--hang', 'never answer')
    .option(
      '--tls-cert <file>',
      "the gemeente's certificate (PEM, with its OIN); with --tls-key and --tls-ca: HTTPS with client certificates, signed messages, and the calls to --hub over two-way TLS",
    )
    .option('--tls-key <file>', 'key of --tls-cert (PEM)')
    .option('--tls-ca <file>', 'CA certificates (PEM) trusted for callers and for the hub')
    .option('--sign-cert <file>', 'sign with this certificate instead of the TLS one (same OIN)')
    .option('--sign-key <file>', 'the key of --sign-cert')
    .option('--max-age-s <s>', 'how old a signed request (wsu:Created) may be', '300')
    .option(
      '--hub-oin <oin>',
      "the hub's OIN: its answers must be signed by it (default: any certificate of --tls-ca)",
    )
    .action(async (f: GemeenteServeFlags) => {
      const port = number('--port', f.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
      const { service, security, hubClient } = serviceOptionsFromFlags(f);
      try {
        const g = await startGemeenteServer({
          service,
          dataFile: f.data,
          port,
          host: f.host,
          ...(f.hub && { hubUrl: f.hub }),
          ...(hubClient && { hubClient }),
          log: (l) => process.stderr.write(`gemeente ${f.code}: ${l}\n`),
        });
        process.stderr.write(
          `gemeente ${f.code} luistert op ${g.url} (${g.clienten} clienten${security ? `; tweezijdig TLS en WS-Security, OIN ${security.oin}` : '; ONVEILIG: alleen voor lokaal werk'})\n`,
        );
        await untilSignal(async () => {
          await g.close();
          await security?.close();
        });
      } catch (e) {
        await security?.close();
        if (e instanceof GemeenteServeError) throw new UserError(e.message);
        throw e;
      }
    });
}
