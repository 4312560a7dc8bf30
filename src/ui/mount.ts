/** Mounts the web UI (`GET /`, docs/ui.md) on the service's express app. */
import type express from 'express';
import type { Logger } from 'pino';
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { FacilityResolver } from '../domain/facility.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import type { Service } from '../evaluate/service.ts';
import type { PriceInfo } from './shape.ts';
import { uiRouter } from './routes.ts';

export interface MountUiDeps {
  readonly gateway: FhirGateway;
  readonly service: Service;
  readonly catalog: DrugCatalog;
  /** FACILITIES_FILE / FACILITY_TIME_ZONE: the UI dates services as the engine does. */
  readonly facilities?: FacilityResolver;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

/**
 * The catalog's prices as the UI shows them: the limit the engine uses per code and date of
 * service (with its quarter, and whether it is suspect, an earlier quarter's or illustrative).
 */
export function catalogPrices(catalog: DrugCatalog): PriceInfo {
  const anyIllustrative = [...catalog.codes.values()].some(
    (c) => c.prices?.some((p) => p.illustrative) ?? false,
  );
  return {
    anyIllustrative,
    illustrative: (code, dateOfService) => catalog.priceOn(code, dateOfService)?.illustrative === true,
    priceOn: (code, dateOfService) => catalog.priceOn(code, dateOfService),
    ...(catalog.lastPricedQuarter ? { lastQuarter: catalog.lastPricedQuarter } : {}),
  };
}

export function mountUi(app: express.Express, deps: MountUiDeps): void {
  app.use(
    uiRouter({
      gateway: deps.gateway,
      service: deps.service,
      prices: catalogPrices(deps.catalog),
      ...(deps.facilities ? { facilities: deps.facilities } : {}),
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  );
}
