/**
 * The hub's start page at `/`: for people who open the hub in a browser, in Dutch, the
 * services with their WSDL and the operational endpoints. The portal proper (upload,
 * overviews) builds on this later.
 */
import type { FastifyInstance } from 'fastify';
import { SERVICES } from '../suwiml/services/index.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const OMSCHRIJVING: Record<string, string> = {
  bijstandsregelingen:
    'bijstandsgegevens van een cliënt (aanvragen, uitkeringen, vorderingen, bijzondere bijstand)',
  reintegratie: 're-integratiegegevens van een cliënt',
  verwijsindex: 'een gemeente meldt in de verwijsindex aan of af voor welke BSN zij gegevens heeft',
};

export function startPageHtml(): string {
  const rows = SERVICES.map(
    (s) =>
      `<tr><td><code>/${esc(s.path)}</code></td><td>${esc(OMSCHRIJVING[s.dienst] ?? '')}</td><td><a href="/${esc(s.path)}?wsdl">WSDL</a></td></tr>`,
  ).join('\n        ');
  return `<!doctype html>
<html lang="nl">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>DKD hub</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc; vertical-align: top; }
      a { color: #0b5ea8; }
    </style>
  </head>
  <body>
    <main>
      <h1>DKD hub</h1>
      <p>De routeervoorziening voor het gemeentelijke deel van het Digitaal Klantdossier. Ketenpartners vragen hier naar de gegevens van een cliënt; de hub vraagt de gemeenten die gegevens hebben en geeft één antwoord.</p>
      <h2>Diensten (Suwi-ML, SOAP 1.1 en 1.2)</h2>
      <table>
        <thead><tr><th scope="col">Adres</th><th scope="col">Waarvoor</th><th scope="col">Beschrijving</th></tr></thead>
        <tbody>
        ${rows}
        </tbody>
      </table>
      <h2>Beheer</h2>
      <ul>
        <li><a href="/health/live">/health/live</a>: het proces leeft</li>
        <li><a href="/health/ready">/health/ready</a>: de hub kan vragen beantwoorden</li>
        <li><a href="/metrics">/metrics</a>: meetgegevens (Prometheus)</li>
      </ul>
    </main>
  </body>
</html>
`;
}

export async function startPage(app: FastifyInstance): Promise<void> {
  const html = startPageHtml();
  app.get('/', async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(html));
}
