/**
 * The audit's FHIR server connections, loaded only when a run needs one (the NDJSON path never
 * does, and leaves MedplumClient, jose and the logger unloaded): the gateway and the token source
 * set up as the service sets them up, the Bulk Data export, and the `--write` use case.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../../config.ts';
import { createTokenSource } from '../../fhir/auth.ts';
import { createGateway } from '../../fhir/gateway.ts';
import { createFhirFetch, type RetryPolicy } from '../../fhir/http-fetch.ts';
import { registerDevice } from '../../fhir/registration.ts';
import { createLogger } from '../../logger.ts';
import type { EngineReference } from '../../rules/index.ts';
import type { Progress } from '../progress.ts';
import type { DateRange } from '../range.ts';
import type { Shard } from '../shard.ts';
import type { InputStats } from '../stats.ts';
import type { Emit } from '../item.ts';
import { exportForAudit } from './bulk.ts';
import { auditFhirSearch } from './fhir-search.ts';

export interface RemoteOptions {
  readonly url: string;
  readonly config: Config;
  readonly retry: RetryPolicy;
  readonly range: DateRange;
  readonly progress: Progress;
  readonly warn: (line: string) => void;
}

/**
 * Runs the Bulk Data exports the audit needs and downloads their files into `<work>/export`
 * (resuming an earlier run's downloads there); returns the files.
 */
export async function downloadBulkExport(
  opts: RemoteOptions,
  work: string,
  downloads: number,
): Promise<string[]> {
  const tokens = createTokenSource(opts.config.fhirAuth);
  const dir = join(work, 'export');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return exportForAudit(
    {
      url: opts.url,
      fetch: createFhirFetch({ retry: opts.retry }),
      ...(tokens ? { token: (force?: boolean) => tokens.token(force) } : {}),
      progress: opts.progress,
      downloads,
      warn: opts.warn,
    },
    opts.range,
    dir,
  );
}

/** The audit by FHIR search; with `write`, through the service's use case as well. */
export async function auditByFhirSearch(
  opts: RemoteOptions & {
    readonly stats: InputStats;
    readonly write: boolean;
    readonly reference: EngineReference;
    readonly clock: () => Date;
    readonly shard: Shard;
  },
  emit: Emit,
): Promise<void> {
  const tokens = createTokenSource(opts.config.fhirAuth);
  const gateway = createGateway({ baseUrl: opts.url, retry: opts.retry, ...(tokens ? { tokens } : {}) });
  let write;
  if (opts.write) {
    // Warnings of the use case go to stderr as JSON lines; stdout keeps the summary.
    const logger = createLogger('warn', pino.destination({ fd: 2, sync: true }));
    const device = await registerDevice(gateway);
    const billingProvider = opts.config.billingProvider;
    write = {
      reference: opts.reference,
      deps: {
        writeContext: () => ({ device, ...(billingProvider ? { billingProvider } : {}) }),
        clock: opts.clock,
        logger,
      },
    };
  }
  await auditFhirSearch(
    {
      gateway,
      range: opts.range,
      stats: opts.stats,
      progress: opts.progress,
      shard: opts.shard,
      ...(opts.reference.facilities ? { facilities: opts.reference.facilities } : {}),
      ...(write ? { write } : {}),
    },
    emit,
  );
}
