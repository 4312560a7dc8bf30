/**
 * pino JSON logs with an allowlist: only the fields below ever reach the output, so a resource,
 * a name or a URL passed by mistake is dropped rather than logged (docs/operations.md, "Logs").
 */
import pino, { type DestinationStream, type Logger } from 'pino';

/** Fields a log line may carry: ids, codes, counts, timings, statuses. Nothing else. */
export const LOG_FIELDS = [
  'event',
  'encounter',
  'resourceType',
  'resourceId',
  'code',
  'codes',
  'gap',
  'count',
  'lines',
  'gaps',
  'writes',
  'units',
  'status',
  'method',
  'route',
  'durationMs',
  'attempt',
  'port',
  'listen',
  'subscription',
  'errorCode',
  'reason',
  'mode',
  'interaction',
] as const;

const allowed = new Set<string>(LOG_FIELDS);

/** Values a field may hold: no objects (a resource or an error would carry its content along). */
function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * stdout, one write per line. When the reader of stdout goes away (a log shipper that died, `| head`)
 * logging stops and the service goes on. pino's own default stream, asynchronous, would flush at
 * exit in a loop that never ends on a broken pipe (sonic-boom retries every error of a synchronous
 * flush), leaving a process that no signal but SIGKILL stops.
 */
export function stdoutDestination(fd = 1): DestinationStream {
  const stream = pino.destination({ fd, sync: true });
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stream.write = () => true;
  });
  return stream;
}

export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vialwise' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log(object: Record<string, unknown>) {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(object)) {
            if (allowed.has(k) && (isScalar(v) || (Array.isArray(v) && v.every(isScalar)))) out[k] = v;
          }
          return out;
        },
      },
      // err objects can carry upstream bodies: keep only a type name.
      serializers: { err: (e: unknown) => (e instanceof Error ? e.name : 'Error') },
      hooks: {
        // pino would use an Error's message as the line's msg (`logger.error(err)`), and messages
        // can quote upstream bodies or URLs: log its type name instead.
        logMethod(args, method) {
          const [first] = args as unknown[];
          if (first instanceof Error) return method.apply(this, [{ errorCode: first.name }, 'error']);
          return method.apply(this, args);
        },
      },
    },
    destination ?? stdoutDestination(),
  );
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
