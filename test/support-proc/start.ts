/**
 * What src/main.ts does with the environment before it prints anything, in this process: read
 * and check the configuration (prepareStart), start the service (startVialwise), and, when that
 * fails, the line and exit code it would print and exit with (startFailure). Logs go nowhere.
 */
import { startVialwise } from '../../src/bootstrap.ts';
import { silentLogger } from '../../src/logger.ts';
import { prepareStart, startFailure } from '../../src/preflight.ts';

/** The failure of starting with `env`, or undefined when the service started (it is stopped again). */
export async function startFailureInProcess(
  env: NodeJS.ProcessEnv,
): Promise<ReturnType<typeof startFailure> | undefined> {
  try {
    const { config, logger } = await prepareStart(env, () => silentLogger);
    const running = await startVialwise(config, logger);
    await running.stop();
    return undefined;
  } catch (err) {
    return startFailure(err);
  }
}
