/**
 * Runs one audit in a child process for the resume test (which kills it mid-way): the options
 * come as JSON in argv[2], the clock is fixed so that reports compare byte for byte.
 */
import { runAudit, type AuditRunOptions } from '../../src/audit/run.ts';

const { now, ...options } = JSON.parse(process.argv[2] as string) as AuditRunOptions & { now: string };
const result = await runAudit({ ...options, clock: () => new Date(now), stdout: () => undefined });
process.exitCode = result.exitCode;
