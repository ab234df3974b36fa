// `evolflow simulate`: the OpenAI-compatible LLM simulator in the foreground, for offline runs and
// for tests that drive it from another process (GET /sim/faults, GET /sim/stats, POST /sim/inject).
import { EvolflowError } from '@evolflow/core';
import { ALL_FAULTS, startSimulator, type FaultKind } from '@evolflow/simulator';
import type { Args } from '../command.ts';
import type { SIMULATE_OPTIONS } from './options.ts';

/** `value` as a number in 0..`max` (default no limit), `fallback` when the flag is absent. */
function number(flag: string, value: string | undefined, { fallback, max = Infinity }: { fallback: number; max?: number }): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) {
    throw new EvolflowError('input', `simulate: --${flag} must be a number from 0 to ${max}, not "${value}"`);
  }
  return n;
}

/** `--strategy-faults deepening=0.8,mutation=0.1` as a record of rates. */
function strategyRates(value: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (value ?? '').split(',').filter(Boolean)) {
    const [name, rate] = part.split('=');
    out[(name ?? '').trim()] = number('strategy-faults', rate, { fallback: NaN, max: 1 });
  }
  return out;
}

function faultKinds(value: string | undefined): FaultKind[] | undefined {
  if (value === undefined) return undefined;
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = kinds.find((k) => !(ALL_FAULTS as readonly string[]).includes(k));
  if (bad !== undefined)
    throw new EvolflowError('input', `simulate: --fault-kinds: unknown kind "${bad}"; use some of ${ALL_FAULTS.join(', ')}`);
  return kinds as FaultKind[];
}

/** `evolflow simulate`: the options are parsed and checked against SIMULATE_OPTIONS already. */
export async function run({ values }: Args<typeof SIMULATE_OPTIONS>): Promise<number> {
  const kinds = faultKinds(values['fault-kinds']);
  const sim = await startSimulator({
    port: number('port', values.port, { fallback: 0, max: 65535 }),
    host: values.host ?? '127.0.0.1',
    seed: number('seed', values.seed, { fallback: 7 }),
    latencyMs: number('latency-ms', values['latency-ms'], { fallback: 0 }),
    latencyJitterMs: number('jitter-ms', values['jitter-ms'], { fallback: 0 }),
    faultRate: number('faults', values.faults, { fallback: 0, max: 1 }),
    stallMs: number('stall-ms', values['stall-ms'], { fallback: 120_000 }),
    strategyFaultRates: strategyRates(values['strategy-faults']),
    ...(kinds === undefined ? {} : { faults: kinds }),
  });
  process.stdout.write(`evolflow simulator listening on ${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const { completions, byStatus } = sim.stats();
  await sim.close();
  process.stdout.write(
    `evolflow simulator stopped after ${completions} completions (${JSON.stringify(byStatus)}), ${sim.faults().length} faults injected\n`,
  );
  return 0;
}
