/**
 * GSDDossierReintegratie v0200, operation GSDReintegratieInfo. This version carries the
 * client's names, sex and birth date only (its address and the participatieladder were
 * removed in 2018), and the AtlRelatie elements.
 */
import { AtlRelatie, Client, type Dossier } from '../../domain/model.js';
import { many, pick, seq } from '../../domain/schema.js';
import { dataService, pickKeys, serviceInfo } from './data-service.js';

const clientFields = pick(Client, [
  'Burgerservicenr',
  'Voornamen',
  'Voorletters',
  'Voorvoegsel',
  'SignificantDeelVanDeAchternaam',
  'Geslacht',
  'Geboortedat',
  'Bron',
]);

export const ClientSuwiV0200 = seq([...clientFields, many('AtlRelatie', AtlRelatie)]);

const clientKeys = clientFields.map((f) => f.key);

export const gsdDossierReintegratieV0200 = dataService(
  serviceInfo('GSDDossierReintegratie', 'v0200', 'GSDReintegratieInfo'),
  'reintegratie',
  ClientSuwiV0200,
  {
    toClientSuwi: (d) => ({
      ...pickKeys(d.client, clientKeys),
      atlRelatie: d.reintegratie?.atlRelatie ?? [],
    }),
    fromClientSuwi: (c) =>
      ({
        client: pickKeys(c, clientKeys),
        reintegratie: { atlRelatie: c.atlRelatie ?? [], participatieladder: [] },
      }) as unknown as Dossier,
  },
);
