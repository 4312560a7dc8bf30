/**
 * The service's HTTP interface (SPEC section 2), built by a factory so that tests get the real
 * app on port 0. Request logs carry the route template and status, never the URL or headers.
 */
import express, { type Request, type Response, type NextFunction } from 'express';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { ApiAccess } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { Service } from '../service.ts';
import { requireApiAccess } from './api-auth.ts';
import { errorHandler, outcome, sendOutcome, unauthorized } from './errors.ts';
import { hostGuard } from './host-guard.ts';
import { parseJsonBody, parseNotification, type Notification } from './notification.ts';
import { isAuthorized } from './signature.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';

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
const JSON_TYPES = ['application/json', 'application/fhir+json'];

function rawBody() {
  return express.raw({ type: () => true, limit: ONE_MIB });
}

function requireJsonType(req: Request): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const [media = '', ...params] = (req.headers['content-type'] ?? '').split(';');
  const type = media.trim().toLowerCase();
  // JSON is UTF-8 (RFC 8259 section 8.1); a body declared in another charset is not read as UTF-8.
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (!JSON_TYPES.includes(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'unsupported-media-type',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          details: { text: 'Content-Type must be application/fhir+json or application/json (UTF-8)' },
        },
      ],
    });
  }
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
    const ok = await service.ready();
    if (ok) res.json({ status: 'ready' });
    else sendOutcome(res, 503, outcome('transient', 'FHIR server is not answering'));
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const notify = async (req: Request, res: Response, parse: (raw: Buffer) => Notification) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!isAuthorized(deps.webhookSecret, raw, header(req, 'x-signature'), header(req, 'authorization'))) {
      metrics.errors.inc({ kind: 'unauthorized' });
      return sendOutcome(res, 401, unauthorized());
    }
    requireJsonType(req);
    const n = parse(raw);
    metrics.notifications.inc({ form: n.kind === 'resources' || n.kind === 'references' ? n.form : n.kind });
    const result = await service.handle(n);
    res.status(200).json({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'information',
          code: 'informational',
          details: {
            text: `evaluated ${result.evaluated} encounter(s), ignored ${result.ignored} resource(s)`,
          },
        },
      ],
    });
  };

  app.post('/notify', rawBody(), (req, res) =>
    notify(req, res, (raw) =>
      parseNotification(raw, {
        ...opt('interaction', header(req, 'x-medplum-interaction')),
        ...opt('deletedResource', header(req, 'x-medplum-deleted-resource')),
      }),
    ),
  );

  // HAPI FHIR's payload style: PUT {endpoint}/{type}/{id} with the resource.
  app.put('/notify/:type/:id', rawBody(), (req, res) =>
    notify(req, res, (raw) => {
      const { type, id } = req.params;
      if (!FHIR_ID.test(id)) throw new OperationOutcomeError(badRequest('Invalid id in the path'));
      const n = parseNotification(raw, {});
      if (n.kind === 'empty')
        return { kind: 'references', form: 'backport-id-only', references: [`${type}/${id}`] };
      if (n.kind !== 'resources' || n.resources[0]?.resourceType !== type || n.resources[0]?.id !== id) {
        throw new OperationOutcomeError(badRequest('Body does not match the type and id in the path'));
      }
      return n;
    }),
  );

  // Every /api route, the web UI's (mounted by `extend`) included, and unknown ones too: no
  // route is revealed to a caller without the token.
  app.use('/api', requireApiAccess(deps.apiAccess, metrics, logger));

  app.post('/api/evaluate', rawBody(), (req, res) => {
    requireJsonType(req);
    const body = parseJsonBody(req.body as Buffer) as Bundle;
    if (!body || typeof body !== 'object' || body.resourceType !== 'Bundle' || !Array.isArray(body.entry)) {
      throw new OperationOutcomeError(badRequest('Body must be a FHIR Bundle with entries'));
    }
    const result = service.dryRun(body);
    if (!result) throw new OperationOutcomeError(badRequest('The Bundle holds no Encounter'));
    res.json(result);
  });

  app.post('/api/encounters/:id/evaluate', async (req, res) => {
    const { id } = req.params;
    if (!FHIR_ID.test(id)) throw new OperationOutcomeError(badRequest('Invalid Encounter id'));
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

  app.use((_req: Request, res: Response) => sendOutcome(res, 404, outcome('not-found', 'Not found')));
  app.use(errorHandler(logger));
  return app;
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v ? { [k]: v } : {}) as { [P in K]?: string };
}

export type { NextFunction };
