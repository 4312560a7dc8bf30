/**
 * The service's HTTP interface (README "HTTP interface"), built by a factory so that tests get the
 * real app on port 0. It only adapts: authentication, body limits and status codes here, the work
 * in the application layer (evaluate/service.ts). Request logs carry the route template and
 * status, never the URL or headers.
 */
import express, { type Request, type Response } from 'express';
import type { Bundle } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { ApiAccess } from '../config.ts';
import { VialwiseError } from '../domain/errors.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';
import { parseJsonBody } from '../evaluate/json-body.ts';
import { isJsonContentType, type NotificationHeaders } from '../evaluate/notifications.ts';
import type { Service } from '../evaluate/service.ts';
import type { Metrics } from '../metrics.ts';
import { requireApiAccess } from './api-auth.ts';
import { errorHandler, sendError } from './errors.ts';
import { hostGuard } from './host-guard.ts';
import { isAuthorized } from './signature.ts';

export interface AppDeps {
  readonly service: Service;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly webhookSecret: string;
  /** Who may call `/api/*`, the web UI's JSON included (see api-auth.ts). */
  readonly apiAccess: ApiAccess;
  /** Extra routes mounted before the 404 handler (e.g. the web UI). */
  readonly extend?: (app: express.Express) => void;
}

const ONE_MIB = 1024 * 1024;

function rawBody() {
  return express.raw({ type: () => true, limit: ONE_MIB });
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function hasBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

export function createApp(deps: AppDeps): express.Express {
  const { service, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      logger.info(
        {
          event: 'http',
          method: req.method,
          route,
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    next();
  });
  app.use(hostGuard(deps.apiAccess));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    if (await service.ready()) res.json({ status: 'ready' });
    else sendError(res, 'fhir-unavailable', 'FHIR server is not answering');
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const notify = async (req: Request, res: Response, path?: { type: string; id: string }) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!isAuthorized(deps.webhookSecret, raw, header(req, 'x-signature'), header(req, 'authorization'))) {
      metrics.errors.inc({ kind: 'unauthorized' });
      return sendError(res, 'unauthorized');
    }
    const headers: NotificationHeaders = {
      ...(hasBody(req) ? { 'content-type': header(req, 'content-type') ?? '' } : {}),
      ...opt('x-medplum-interaction', header(req, 'x-medplum-interaction')),
      ...opt('x-medplum-deleted-resource', header(req, 'x-medplum-deleted-resource')),
    };
    const outcome = await service.handleNotification(raw, headers, path);
    if (!outcome.ok) return sendError(res, outcome.error.code, outcome.error.publicText);
    const text = outcome.done
      ? `evaluated ${outcome.evaluated} encounter(s), ignored ${outcome.ignored} resource(s)`
      : 'a catch-up sweep ran moments ago: another one is queued';
    res.status(outcome.done ? 200 : 202).json({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text } }],
    });
  };

  app.post('/notify', rawBody(), (req, res) => notify(req, res));
  // HAPI FHIR's payload style: PUT {endpoint}/{type}/{id} with the resource.
  app.put('/notify/:type/:id', rawBody(), (req, res) =>
    notify(req, res, { type: req.params.type, id: req.params.id }),
  );

  // Every /api route, the web UI's (mounted by `extend`) included, and unknown ones too: no
  // route is revealed to a caller without the token.
  app.use('/api', requireApiAccess(deps.apiAccess, metrics, logger));

  app.post('/api/evaluate', rawBody(), (req, res) => {
    if (hasBody(req) && !isJsonContentType(header(req, 'content-type')))
      throw new VialwiseError('unsupported-media-type', 'posted Bundle is not JSON');
    const body = parseJsonBody(req.body as Buffer) as Bundle;
    if (!body || typeof body !== 'object' || body.resourceType !== 'Bundle' || !Array.isArray(body.entry)) {
      const text = 'Body must be a FHIR Bundle with entries';
      throw new VialwiseError('invalid-body', text, { publicText: text });
    }
    const result = service.dryRun(body);
    if (!result) {
      const text = 'The Bundle holds no Encounter';
      throw new VialwiseError('invalid-body', text, { publicText: text });
    }
    res.json(result);
  });

  app.post('/api/encounters/:id/evaluate', async (req, res) => {
    const { id } = req.params;
    if (!FHIR_ID.test(id))
      throw new VialwiseError('invalid-id', 'invalid Encounter id', { publicText: 'Invalid Encounter id' });
    const result = await service.evaluate(id);
    res.json({
      evaluation: result.evaluation,
      claim: result.plan.claim,
      detectedIssues: result.plan.issues,
      writes: result.plan.entries.length,
      requests: result.requests,
    });
  });

  deps.extend?.(app);

  app.use((_req: Request, res: Response) => sendError(res, 'not-found'));
  app.use(errorHandler(logger));
  return app;
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v ? { [k]: v } : {}) as { [P in K]?: string };
}
