/**
 * The service with its embedded FHIR server for an end-to-end figure: no demo data, no log, no
 * periodic sweep, and no Subscription, so that only the evaluations a benchmark asks for run.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { startVialwise, type Running } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logger.ts';

export async function startQuietService(): Promise<Running> {
  const config = loadConfig({
    PORT: '0',
    EMBEDDED_FHIR_PORT: '0',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    SWEEP_INTERVAL_SECONDS: '86400',
  });
  const running = await startVialwise(config, silentLogger);
  await running.registered;
  const subs = (await (await fetch(`${running.fhirBaseUrl}/Subscription`)).json()) as Bundle;
  for (const e of subs.entry ?? [])
    await fetch(`${running.fhirBaseUrl}/Subscription/${e.resource?.id}`, { method: 'DELETE' });
  return running;
}
