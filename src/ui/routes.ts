/**
 * The web UI's HTTP side: the page and its static modules, and JSON (or CSV) under
 * `/api/ui/...`. Every read and write goes to the FHIR server through the service's gateway.
 * Patient data stays in response bodies: query strings carry ids and codes only, the request
 * log records the route template, and responses are `no-store`.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { FhirGateway } from '../fhir/gateway.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { FacilityResolver } from '../domain/facility.ts';
import { localDate } from '../domain/time-zone.ts';
import type { Service } from '../evaluate/service.ts';
import { sendError } from '../http/errors.ts';
import type { ActionOutcome } from './contract.ts';
import { uiErrors } from './errors.ts';
import { FilterError, parseDateRange, parsePage, parseSort, parseWorklistFilter } from './filters.ts';
import { acknowledgeGaps, assignGaps } from './reads/actions.ts';
import { readDashboardResources } from './reads/dashboard.ts';
import { readEncounterView, readPractitioners } from './reads/encounter.ts';
import { readOpenGaps } from './reads/gaps.ts';
import { isSafeId, timeZoneResolver, type PriceInfo } from './shape.ts';
import {
  parseAcknowledgeRequest,
  parseAssignRequest,
  parseBulkAcknowledgeRequest,
  practitionerOptions,
} from './views/actions.ts';
import { buildDashboard } from './views/dashboard.ts';
import { dashboardCsv } from './views/dashboard-csv.ts';
import { encounterView } from './views/encounter.ts';
import { buildWorklist, matchingRows } from './views/worklist.ts';
import { worklistCsv } from './views/worklist-csv.ts';

export type { PriceInfo } from './shape.ts';

export interface UiDeps {
  readonly gateway: FhirGateway;
  readonly service: Service;
  readonly prices: PriceInfo;
  /** The facilities' time zones (FACILITIES_FILE, FACILITY_TIME_ZONE); unset: dates as written. */
  readonly facilities?: FacilityResolver;
  readonly logger: Logger;
  readonly clock?: () => Date;
  /** Folder of the page and its modules; default `src/ui/static`. */
  readonly staticDir?: string;
}

export const STATIC_DIR = join(import.meta.dirname, 'static');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Only the service's own origin: no CDN, no inline script or style, no framing by others. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** An acknowledgement note (2,000 characters) for up to 200 gaps fits well within it. */
const ACTION_BODY_LIMIT = 64 * 1024;

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

function param(req: Request, name: string, what: string): string {
  const v = (req.params as Record<string, string | undefined>)[name] ?? '';
  if (!isSafeId(v)) throw new FilterError(name, `Invalid ${what} id`);
  return v;
}

/** A JSON content type also keeps other sites' plain form posts out (they cannot send it without CORS). */
function requireJson(req: Request, res: Response): boolean {
  if (req.is('application/json')) return true;
  sendError(res, 'unsupported-media-type', 'Send the request as application/json');
  return false;
}

/** A single gap's action that failed, with the registry code its status stands for. */
const FAILURE: Readonly<Record<number, ErrorCode>> = {
  404: 'not-a-gap',
  409: 'gap-closed',
  412: 'stale-version',
  502: 'fhir-refused',
  503: 'fhir-unavailable',
};

function sendFailure(res: Response, o: ActionOutcome): void {
  sendError(res, FAILURE[o.status] ?? 'invalid-action', o.message ?? 'The change was not written');
}

export function uiRouter(deps: UiDeps): express.Router {
  const { gateway, service, prices, logger } = deps;
  const clockNow = () => deps.clock?.() ?? new Date();
  const now = () => clockNow().toISOString();
  const tzOf = timeZoneResolver(deps.facilities);
  // The default facility's today (each worklist row counts aging to its own facility's).
  const today = () => localDate(now(), tzOf(undefined)) ?? now().slice(0, 10);
  const staticDir = deps.staticDir ?? STATIC_DIR;
  const assets = new Set(
    readdirSync(staticDir).filter((f) => CONTENT_TYPES[extname(f)] !== undefined && !f.startsWith('.')),
  );
  const router = express.Router();

  const sendAsset = async (res: Response, file: string) => {
    const body = await readFile(join(staticDir, file));
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // Small files, re-validated on every load so a restart with new code is picked up at once.
    res.setHeader('Cache-Control', 'no-cache');
    res.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream').send(body);
  };

  router.get('/', (_req, res) => sendAsset(res, 'index.html'));
  router.get('/ui/:file', async (req, res) => {
    const file = req.params.file;
    if (!assets.has(file) || file === 'index.html') return sendError(res, 'not-found');
    await sendAsset(res, file);
  });

  router.use('/api/ui', noStore);

  router.get('/api/ui/worklist', async (req, res) => {
    const filter = parseWorklistFilter(req.query);
    const sort = parseSort(req.query);
    const page = parsePage(req.query);
    const gaps = await readOpenGaps(gateway);
    res.json(buildWorklist(gaps, { filter, sort, ...page, asOf: today(), now: now(), tzOf }, prices));
  });

  router.get('/api/ui/worklist.csv', async (req, res) => {
    const filter = parseWorklistFilter(req.query);
    const sort = parseSort(req.query);
    const { matched } = matchingRows(
      await readOpenGaps(gateway),
      { filter, sort, asOf: today(), now: now(), tzOf },
      prices,
    );
    const name = `vialwise-worklist-${filter.queue ?? 'all-queues'}-${today()}.csv`;
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.type('text/csv; charset=utf-8').send(worklistCsv(matched, prices.anyIllustrative));
  });

  router.get('/api/ui/practitioners', async (_req, res) => {
    res.json({ practitioners: practitionerOptions(await readPractitioners(gateway)) });
  });

  const actionJson = express.json({ limit: ACTION_BODY_LIMIT, type: ['application/json'] });

  router.post('/api/ui/gaps/acknowledge', actionJson, async (req, res) => {
    if (!requireJson(req, res)) return;
    const result = await acknowledgeGaps(gateway, parseBulkAcknowledgeRequest(req.body), now());
    logger.info(
      { event: 'gaps-acknowledged', count: result.succeeded, failed: result.failed },
      'gaps acknowledged',
    );
    res.json(result);
  });

  router.post('/api/ui/gaps/assign', actionJson, async (req, res) => {
    if (!requireJson(req, res)) return;
    const result = await assignGaps(gateway, parseAssignRequest(req.body), now());
    logger.info({ event: 'gaps-assigned', count: result.succeeded, failed: result.failed }, 'gaps assigned');
    res.json(result);
  });

  router.post('/api/ui/gaps/:id/acknowledge', actionJson, async (req, res) => {
    const id = param(req, 'id', 'DetectedIssue');
    if (!requireJson(req, res)) return;
    const ack = parseAcknowledgeRequest(req.body);
    const { results } = await acknowledgeGaps(
      gateway,
      { items: [{ id, version: ack.version }], author: ack.author, note: ack.note },
      now(),
    );
    const [result] = results;
    if (!result?.ok) return sendFailure(res, result ?? { id, ok: false, status: 500 });
    logger.info(
      { event: 'gap-acknowledged', resourceType: 'DetectedIssue', resourceId: id },
      'gap acknowledged',
    );
    res.json({ id, version: result.version, acknowledgements: result.acknowledgements });
  });

  router.get('/api/ui/encounters/:id', async (req, res) => {
    const id = param(req, 'id', 'Encounter');
    res.json(encounterView(await readEncounterView(gateway, service, id), prices, tzOf));
  });

  router.get('/api/ui/dashboard', async (req, res) => {
    const range = parseDateRange(req.query);
    res.json(buildDashboard(await readDashboardResources(gateway, range), range, prices, tzOf));
  });

  router.get('/api/ui/dashboard.csv', async (req, res) => {
    const range = parseDateRange(req.query);
    const csv = dashboardCsv(
      buildDashboard(await readDashboardResources(gateway, range), range, prices, tzOf),
    );
    const name = `vialwise-dashboard-${range.from ?? 'start'}-to-${range.to ?? 'latest'}.csv`;
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.type('text/csv; charset=utf-8').send(csv);
  });

  router.use(uiErrors());
  return router;
}
