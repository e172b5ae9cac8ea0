/** `dkd demo`: the hub with simulated gemeenten, one per delivery method. */
import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { protocolKeyFromEnv } from '../audit/protocol.js';
import { LOGGER_OPTIONS } from '../http/hub.js';
import { ServeError } from '../http/start.js';
import { startDemo, type RunningDemo } from '../sim/demo.js';
import { DEFAULT_SQLITE_FILE, storeOptionsFromEnv } from '../store/open.js';
import { untilSignal } from './hub.js';
import { DB_OPTION, EXIT, printJson, UserError } from './util.js';

/** The path to the independent client as the README's layout has it (beside this repository). */
const CONFORMANCE_CLIENT = '../shared/conformance/suwiml_client.py';

/** A word for a POSIX shell: quoted only when it has to be. */
const sh = (w: string) => (/^[\w./:=@,+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * The commands a chain partner pastes (without the program in front): `dkd query` and `dkd
 * audit`, and the independent client, as UWV with UWV's certificate over two-way TLS.
 */
export function demoCommands(
  demo: RunningDemo,
  db: string | undefined,
  path: (f: string) => string = (f) => f,
): { query: string[]; client: string[]; audit: string[] } {
  const url = demo.hub.url.replace(/\/+$/, '');
  const bsn = demo.voorbeelden.alleGemeenten;
  const t = demo.tls;
  const dbFlag = db ? ['--db', path(db)] : [];
  if (!t)
    return {
      query: ['query', '--url', url, '--bsn', bsn],
      client: ['--url', url, '--from-uri', 'https://uwv.example/dkd?oin=00000001000000000002', '--bsn', bsn],
      audit: ['audit', '--bsn', bsn, ...dbFlag],
    };
  const uwv = t.partners.uwv;
  return {
    query: [
      'query',
      '--url',
      url,
      '--bsn',
      bsn,
      '--tls-cert',
      path(uwv.cert),
      '--tls-key',
      path(uwv.key),
      '--tls-ca',
      path(t.ca),
    ],
    client: [
      '--url',
      url,
      '--cert',
      path(uwv.cert),
      '--key',
      path(uwv.key),
      '--ca',
      path(t.ca),
      '--sign',
      '--require-signed-answer',
      '--from-uri',
      `https://uwv.example/dkd?oin=${uwv.oin}`,
      '--bsn',
      bsn,
    ],
    audit: [
      'audit',
      '--bsn',
      bsn,
      ...dbFlag,
      ...(t.protocolKeyFile ? ['--protocol-key-file', path(t.protocolKeyFile)] : []),
    ],
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the hub with simulated gemeenten (one per delivery method) and synthetic clients')
    .option('--port <port>', 'port of the hub (0: any free port)', '8080')
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .option(...DB_OPTION)
    .option('--clients <n>', 'clients per gemeente', '200')
    .option('--json', 'print the URLs and example BSNs as one JSON document')
    .option(
      '--insecure-dev',
      'the old demo: plain HTTP, callers named by wsa:From ?oin= (default: two-way TLS and signing with a test PKI)',
    )
    .action(
      async (o: {
        port: string;
        host: string;
        db?: string;
        clients: string;
        json?: boolean;
        insecureDev?: boolean;
      }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UserError(`ongeldige poort ${o.port}`, EXIT.usage);
        const clients = Number(o.clients);
        if (!Number.isInteger(clients) || clients < 20 || clients > 100_000)
          throw new UserError('--clients moet een geheel getal van 20 tot 100000 zijn', EXIT.usage);
        const store = storeOptionsFromEnv(o.db);
        const say = (l: string) => process.stderr.write(`demo: ${l}\n`);
        // A key the operator set wins; otherwise the demo makes one of its own (see startDemo).
        const key = o.insecureDev ? undefined : protocolKeyFromEnv();
        let demo;
        try {
          demo = await startDemo({
            ...(o.insecureDev && { insecureDev: true }),
            ...(key && { protocolKey: key }),
            port,
            host: o.host,
            store,
            dataDir: dirname(o.db ?? DEFAULT_SQLITE_FILE),
            clients,
            // Warnings and errors only, on stderr: stdout carries what the demo prints.
            logger: { ...LOGGER_OPTIONS, level: 'warn', stream: process.stderr },
            log: say,
          });
        } catch (e) {
          if (e instanceof ServeError) throw new UserError(e.message, EXIT.usage);
          if ((e as { code?: string }).code === 'EADDRINUSE')
            throw new UserError(`poort ${port} is al in gebruik; kies een andere met --port`);
          throw e;
        }
        const v = demo.voorbeelden;
        // Paths below the working directory are shown short; others in full.
        const rel = (f: string) => {
          const r = relative(process.cwd(), f);
          return r && !r.startsWith('..') ? r : f;
        };
        if (o.json) {
          printJson({
            portal: demo.portal,
            store: store.databaseUrl ? 'postgres' : store.file,
            beveiliging: demo.tls ? 'tweezijdig TLS en WS-Security' : 'onveilig (--insecure-dev)',
            soap: demo.soap,
            gemeenten: demo.gemeenten,
            voorbeelden: v,
            ...(demo.tls && { tls: demo.tls }),
            commandos: demoCommands(demo, o.db),
          });
        } else {
          const c = demoCommands(demo, o.db, rel);
          const t = demo.tls;
          const lines = [
            `DKD demo draait (store: ${store.databaseUrl ? 'PostgreSQL' : store.file}; ${t ? `tweezijdig TLS en WS-Security, hub-OIN ${t.hubOin}` : 'ONVEILIG: gewoon HTTP, alleen voor lokaal werk'})`,
            '',
            `Portaal:  ${demo.portal}`,
            'SOAP:',
            ...demo.soap.map((s) => `  ${s.url}   (WSDL: ${s.wsdl})`),
            'Gemeenten:',
            ...demo.gemeenten.map(
              (g) =>
                `  ${g.code} ${g.naam.padEnd(10)} ${g.methode.padEnd(11)} ${g.clienten} clienten${g.url ? `, webservice ${g.url}` : ''}`,
            ),
            ...(t
              ? [
                  'Voor een ketenpartner (test-PKI, niet voor productie):',
                  `  CA:   ${rel(t.ca)}`,
                  `  UWV:  ${rel(t.partners.uwv.cert)}  ${rel(t.partners.uwv.key)}  (OIN ${t.partners.uwv.oin})`,
                  `  SVB:  ${rel(t.partners.svb.cert)}  ${rel(t.partners.svb.key)}  (OIN ${t.partners.svb.oin})`,
                ]
              : []),
            "Voorbeeld-BSN's:",
            `  ${v.alleGemeenten}  bekend bij alle drie de gemeenten (batch, webservice en combinatie)`,
            `  ${v.alleenWebservice}  alleen bij 0599 (webservice)`,
            `  ${v.alleenBatch}  alleen bij 0363 (batch)`,
            `  ${v.onbekend}  bij geen enkele gemeente (NietsGevonden)`,
            '',
            'Probeer (als UWV):',
            `  npx dkd ${c.query.map(sh).join(' ')}`,
            `  /usr/bin/python3 ${CONFORMANCE_CLIENT} ${c.client.map(sh).join(' ')}`,
            'Wie vroeg er naar deze persoon (protocol):',
            `  npx dkd ${c.audit.map(sh).join(' ')}`,
            'Stoppen: Ctrl-C',
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        await untilSignal(demo.close);
        say('gestopt');
      },
    );
}
