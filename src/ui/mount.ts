/** Mounts the web UI (`GET /`, docs/ui.md) on the service's express app. */
import type express from 'express';
import type { Logger } from 'pino';
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import type { Service } from '../evaluate/service.ts';
import type { PriceInfo } from './shape.ts';
import { uiRouter } from './routes.ts';

export interface MountUiDeps {
  readonly gateway: FhirGateway;
  readonly service: Service;
  readonly catalog: DrugCatalog;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

/** Whether the catalog's prices are illustrative (the demo's), per code and date of service. */
export function catalogPrices(catalog: DrugCatalog): PriceInfo {
  const anyIllustrative = [...catalog.codes.values()].some(
    (c) => c.prices?.some((p) => p.illustrative) ?? false,
  );
  return {
    anyIllustrative,
    illustrative: (code, dateOfService) => catalog.priceOn(code, dateOfService)?.illustrative === true,
  };
}

export function mountUi(app: express.Express, deps: MountUiDeps): void {
  app.use(
    uiRouter({
      gateway: deps.gateway,
      service: deps.service,
      prices: catalogPrices(deps.catalog),
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  );
}
