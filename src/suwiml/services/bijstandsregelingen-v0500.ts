/** Bijstandsregelingen v0500, operation BijstandsregelingenInfo. */
import { Bijstandsregelingen, Client, type Dossier } from '../../domain/model.js';
import { seq } from '../../domain/schema.js';
import { dataService, pickKeys, serviceInfo } from './data-service.js';

/** ClientSuwi of v0500: the client's own elements, then applications, claims, special assistance and benefits. */
export const ClientSuwiV0500 = seq([...Client.fields, ...Bijstandsregelingen.fields]);

const clientKeys = Client.fields.map((f) => f.key);
const clusterKeys = Bijstandsregelingen.fields.map((f) => f.key);

export const bijstandsregelingenV0500 = dataService(
  serviceInfo('Bijstandsregelingen', 'v0500', 'BijstandsregelingenInfo'),
  'bijstandsregelingen',
  ClientSuwiV0500,
  {
    toClientSuwi: (d) => ({
      ...d.client,
      ...(d.bijstandsregelingen ?? {
        aanvraagUitkering: [],
        vordering: [],
        specifiekeGegevensBijzBijstand: [],
        uitkeringsverhouding: [],
      }),
    }),
    fromClientSuwi: (c) =>
      ({
        client: pickKeys(c, clientKeys),
        bijstandsregelingen: pickKeys(c, clusterKeys),
      }) as unknown as Dossier,
  },
);
