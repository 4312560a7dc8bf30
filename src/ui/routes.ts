/**
 * The web UI's HTTP side: the page and its static modules, and JSON under `/api/ui/...`. Every
 * read and write goes to the FHIR server through the service's gateway. Patient data stays in
 * response bodies: filters in query strings carry ids only, the request log records the route
 * template, and responses are `no-store`.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { FhirGateway } from '../fhir/gateway.ts';
import { outcome, sendOutcome } from '../http/errors.ts';
import type { Service } from '../service.ts';
import {
  AcknowledgeError,
  acknowledgementsOf,
  buildDashboard,
  buildWorklist,
  dashboardCsv,
  encounterView,
  FilterError,
  parseAcknowledgeRequest,
  parseDateRange,
  parseWorklistFilter,
  practitionerOptions,
  type PriceInfo,
} from './data.ts';
import {
  acknowledgeGap,
  GapClosedError,
  NotAGapError,
  readDashboardResources,
  readEncounterView,
  readOpenGaps,
  readPractitioners,
  StaleVersionError,
} from './reads.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';

export interface UiDeps {
  readonly gateway: FhirGateway;
  readonly service: Service;
  readonly prices: PriceInfo;
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

const ACK_BODY_LIMIT = 64 * 1024;

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

function param(req: Request, name: string, what: string): string {
  const v = (req.params as Record<string, string | undefined>)[name] ?? '';
  if (!FHIR_ID.test(v)) throw new FilterError(name, `Invalid ${what} id`);
  return v;
}

/** The UI's own errors as OperationOutcomes; everything else goes on to the app's error handler. */
function uiErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (err instanceof FilterError || err instanceof AcknowledgeError)
    return sendOutcome(res, 400, outcome('invalid', err.message));
  if (err instanceof NotAGapError)
    return sendOutcome(res, 404, outcome('not-found', 'No such documentation gap'));
  if (err instanceof GapClosedError)
    return sendOutcome(res, 409, outcome('conflict', 'This gap is no longer open: reload the worklist'));
  if (err instanceof StaleVersionError) {
    return sendOutcome(
      res,
      412,
      outcome('conflict', 'This gap changed since the page loaded it: reload and acknowledge again'),
    );
  }
  const e = err as { type?: string };
  if (e?.type === 'entity.too.large')
    return sendOutcome(res, 413, outcome('too-costly', 'The acknowledgement is too long'));
  next(err);
}

export function uiRouter(deps: UiDeps): express.Router {
  const { gateway, service, prices, logger } = deps;
  const now = () => (deps.clock?.() ?? new Date()).toISOString();
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
    if (!assets.has(file) || file === 'index.html')
      return sendOutcome(res, 404, outcome('not-found', 'Not found'));
    await sendAsset(res, file);
  });

  router.use('/api/ui', noStore);

  router.get('/api/ui/worklist', async (req, res) => {
    const filter = parseWorklistFilter(req.query);
    const { resources, truncated } = await readOpenGaps(gateway);
    res.json(buildWorklist(resources, filter, prices, truncated));
  });

  router.get('/api/ui/practitioners', async (_req, res) => {
    res.json({ practitioners: practitionerOptions(await readPractitioners(gateway)) });
  });

  const ackJson = express.json({ limit: ACK_BODY_LIMIT, type: ['application/json'] });
  router.post('/api/ui/gaps/:id/acknowledge', ackJson, async (req, res) => {
    const id = param(req, 'id', 'DetectedIssue');
    // A JSON content type also keeps other sites' plain form posts out (they cannot send it without CORS).
    if (!req.is('application/json'))
      return sendOutcome(res, 415, outcome('not-supported', 'Send the acknowledgement as application/json'));
    const ack = parseAcknowledgeRequest(req.body);
    const written = await acknowledgeGap(gateway, id, ack, now());
    logger.info(
      { event: 'gap-acknowledged', resourceType: 'DetectedIssue', resourceId: id },
      'gap acknowledged',
    );
    res.json({
      id: written.id,
      version: written.meta?.versionId,
      acknowledgements: acknowledgementsOf(written),
    });
  });

  router.get('/api/ui/encounters/:id', async (req, res) => {
    const id = param(req, 'id', 'Encounter');
    res.json(encounterView(await readEncounterView(gateway, service, id), prices));
  });

  router.get('/api/ui/dashboard', async (req, res) => {
    const range = parseDateRange(req.query);
    const { resources, truncated } = await readDashboardResources(gateway);
    res.json(buildDashboard(resources, range, prices, truncated));
  });

  router.get('/api/ui/dashboard.csv', async (req, res) => {
    const range = parseDateRange(req.query);
    const { resources, truncated } = await readDashboardResources(gateway);
    const csv = dashboardCsv(buildDashboard(resources, range, prices, truncated));
    const name = `vialwise-dashboard-${range.from ?? 'start'}-to-${range.to ?? 'latest'}.csv`;
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.type('text/csv; charset=utf-8').send(csv);
  });

  router.use(uiErrors);
  return router;
}
