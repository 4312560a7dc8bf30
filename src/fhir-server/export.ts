/**
 * A MINIMAL FHIR Bulk Data `$export` for the embedded server: just what `vialwise audit --bulk`
 * needs against it in tests and demos. It is not a conformant Bulk Data server.
 *
 * Supported:
 * - system-level kick-off `GET [base]/$export` with `Prefer: respond-async` (required), `_type`
 *   (resource types, comma-separated; all types when absent), `_since` (an instant: resources
 *   whose `meta.lastUpdated` is at or after it), `_typeFilter` (`Type?search`, comma-separated;
 *   several filters for one type are OR'ed) and `_outputFormat` (NDJSON only); 202 with
 *   `Content-Location` pointing at the status URL;
 * - `GET [base]/$export-status/<job>`: 202 with `X-Progress` and `Retry-After: 1` while the job
 *   runs, and always on the first status request (so clients exercise their polling), then 200
 *   with the manifest (`requiresAccessToken: false`); 500 with an OperationOutcome if it failed;
 * - `DELETE [base]/$export-status/<job>`: 202, the job and its files are dropped;
 * - `GET [base]/$export-file/<job>/<n>`: one output file, `application/fhir+ndjson`.
 *
 * Not supported: patient- and group-level export, `_elements`, `includeAssociatedData`,
 * `_until`, POST kick-off, `Accept` negotiation, authentication, error files, file expiry.
 * An unknown parameter is a 400 unless the client sent `Prefer: handling=lenient`. Jobs and
 * their files live in memory (at most MAX_JOBS, oldest dropped first), one file per type.
 */
import {
  badRequest,
  getResourceTypes,
  isResourceType,
  notFound,
  Operator,
  parseSearchRequest,
} from '@medplum/core';
import type { Filter, SearchRequest } from '@medplum/core';
import type { FhirRepository } from '@medplum/fhir-router';
import type { OperationOutcome, Resource, ResourceType } from '@medplum/fhirtypes';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';

const MAX_JOBS = 20;
const PAGE = 10_000;
const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const KNOWN_PARAMS = new Set(['_type', '_since', '_typeFilter', '_outputFormat']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

interface ExportFile {
  readonly type: string;
  readonly count: number;
  readonly body: string;
}

interface Job {
  readonly id: string;
  readonly request: string;
  readonly transactionTime: string;
  readonly types: readonly ResourceType[];
  status: 'in-progress' | 'complete' | 'error';
  done: number;
  polled: boolean;
  files: ExportFile[];
}

export interface BulkExportOptions {
  readonly repo: FhirRepository;
  /** The FHIR base URL as the client reached it (for Content-Location and file URLs). */
  readonly baseOf: (req: Request) => string;
  readonly logger: Logger;
}

function outcome(res: Response, status: number, body: OperationOutcome): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(body));
}

/** Express middleware answering the `$export` paths below the FHIR base; anything else passes on. */
export function bulkExport(options: BulkExportOptions): RequestHandler {
  const jobs = new Map<string, Job>();

  const kickOff = (req: Request, res: Response): void => {
    res.locals.route = 'bulk-export';
    const prefer = (req.get('prefer') ?? '').toLowerCase();
    if (!prefer.includes('respond-async')) {
      outcome(res, 400, badRequest('$export requires the header Prefer: respond-async'));
      return;
    }
    const lenient = prefer.includes('handling=lenient');
    const query = new URL(req.originalUrl, 'http://x').searchParams;
    for (const name of new Set(query.keys())) {
      if (!KNOWN_PARAMS.has(name) && !lenient) {
        outcome(res, 400, badRequest(`$export parameter not supported by the embedded server: ${name}`));
        return;
      }
    }
    const format = query.get('_outputFormat');
    if (format && !NDJSON_FORMATS.has(format)) {
      outcome(res, 400, badRequest('Only NDJSON output is supported'));
      return;
    }
    const typeParam = query
      .getAll('_type')
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter(Boolean);
    const unknown = typeParam.find((t) => !isResourceType(t));
    if (unknown) {
      outcome(res, 400, badRequest(`Unknown resource type in _type: ${unknown}`));
      return;
    }
    const types = (typeParam.length ? typeParam : getResourceTypes()) as ResourceType[];
    const since = query.get('_since') ?? undefined;
    if (since !== undefined && (!INSTANT.test(since) || Number.isNaN(Date.parse(since)))) {
      outcome(res, 400, badRequest('_since must be a FHIR instant, e.g. 2026-01-01T00:00:00Z'));
      return;
    }
    const filters = new Map<string, SearchRequest[]>();
    for (const f of query.getAll('_typeFilter').flatMap((v) => v.split(','))) {
      try {
        const [type = '', search = ''] = f.split('?');
        if (!isResourceType(type)) throw new Error('unknown type');
        const request = parseSearchRequest(type, Object.fromEntries(new URLSearchParams(search)));
        filters.set(type, [...(filters.get(type) ?? []), request]);
      } catch {
        if (!lenient) {
          outcome(res, 400, badRequest('Invalid _typeFilter'));
          return;
        }
      }
    }

    const base = options.baseOf(req);
    const job: Job = {
      id: randomUUID(),
      request: `${base}${req.url}`,
      transactionTime: new Date().toISOString(),
      types,
      status: 'in-progress',
      done: 0,
      polled: false,
      files: [],
    };
    jobs.set(job.id, job);
    while (jobs.size > MAX_JOBS) jobs.delete(jobs.keys().next().value as string);
    setImmediate(() => {
      runJob(options.repo, job, since, filters).catch(() => {
        job.status = 'error';
        options.logger.warn({ event: 'bulk-export.failed', errorCode: 'export-failed' });
      });
    });
    res.status(202).set('Content-Location', `${base}/$export-status/${job.id}`);
    outcome(res, 202, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'Export started' } }],
    });
  };

  const status = (req: Request, res: Response, id: string): void => {
    res.locals.route = 'bulk-export-status';
    const job = jobs.get(id);
    if (!job) {
      outcome(res, 404, notFound);
      return;
    }
    if (req.method === 'DELETE') {
      jobs.delete(id);
      res.status(202).end();
      return;
    }
    if (job.status === 'error') {
      outcome(res, 500, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', details: { text: 'Export failed' } }],
      });
      return;
    }
    if (job.status === 'in-progress' || !job.polled) {
      job.polled = true;
      res
        .status(202)
        .set('X-Progress', `exported ${job.done} of ${job.types.length} types`)
        .set('Retry-After', '1')
        .end();
      return;
    }
    const base = options.baseOf(req);
    res
      .status(200)
      .type('application/json')
      .send(
        JSON.stringify({
          transactionTime: job.transactionTime,
          request: job.request,
          requiresAccessToken: false,
          output: job.files.map((f, n) => ({
            type: f.type,
            url: `${base}/$export-file/${job.id}/${n}`,
            count: f.count,
          })),
          error: [],
        }),
      );
  };

  const file = (res: Response, id: string, n: string): void => {
    res.locals.route = 'bulk-export-file';
    const f = jobs.get(id)?.files[Number(n)];
    if (!f || !/^\d+$/.test(n)) {
      outcome(res, 404, notFound);
      return;
    }
    res.status(200).type('application/fhir+ndjson').send(f.body);
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.path;
    if (path === '/$export' && req.method === 'GET') return kickOff(req, res);
    const s = /^\/\$export-status\/([A-Za-z0-9-]{1,64})$/.exec(path);
    if (s && (req.method === 'GET' || req.method === 'DELETE')) return status(req, res, s[1] as string);
    const f = /^\/\$export-file\/([A-Za-z0-9-]{1,64})\/(\d{1,6})$/.exec(path);
    if (f && req.method === 'GET') return file(res, f[1] as string, f[2] as string);
    next();
  };
}

async function runJob(
  repo: FhirRepository,
  job: Job,
  since: string | undefined,
  filters: ReadonlyMap<string, SearchRequest[]>,
): Promise<void> {
  for (const type of job.types) {
    const requests = filters.get(type) ?? [parseSearchRequest(type, {})];
    const found = new Map<string, Resource>();
    for (const request of requests) {
      for (let offset = 0; ; offset += PAGE) {
        const lastUpdated: Filter[] = since
          ? [{ code: '_lastUpdated', operator: Operator.GREATER_THAN_OR_EQUALS, value: since }]
          : [];
        const bundle = await repo.search({
          ...request,
          filters: [...(request.filters ?? []), ...lastUpdated],
          offset,
          count: PAGE,
        });
        const entries = bundle.entry ?? [];
        for (const e of entries) if (e.resource) found.set(e.resource.id, e.resource);
        if (entries.length < PAGE) break;
      }
    }
    if (found.size) {
      let body = '';
      for (const r of found.values()) body += `${JSON.stringify(r)}\n`;
      job.files.push({ type, count: found.size, body });
    }
    job.done++;
    // Yield between types so the server keeps answering while a large export runs.
    await new Promise((r) => setImmediate(r));
  }
  job.status = 'complete';
}
