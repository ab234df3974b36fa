// `evolflow simulate`: the OpenAI-compatible LLM simulator in the foreground, for offline runs and
// for tests that drive it from another process (GET /sim/faults, GET /sim/stats, POST /sim/inject).
import { EvolflowError } from '@evolflow/core';
import { ALL_FAULTS, startSimulator, type FaultKind } from '@evolflow/simulator';
import { parseFlags, type Command } from '../command.ts';

function number(flag: string, value: string | undefined, fallback: number, max = Infinity): number {
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
    out[(name ?? '').trim()] = number('strategy-faults', rate, NaN, 1);
  }
  return out;
}

function faultKinds(value: string | undefined): FaultKind[] | undefined {
  if (value === undefined) return undefined;
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const bad = kinds.find((k) => !(ALL_FAULTS as readonly string[]).includes(k));
  if (bad !== undefined) throw new EvolflowError('input', `simulate: --fault-kinds: unknown kind "${bad}"; use some of ${ALL_FAULTS.join(', ')}`);
  return kinds as FaultKind[];
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run the OpenAI-compatible LLM simulator in the foreground (evolflow simulate --port 8080 --faults 0.1)',
  usage: `Usage: evolflow simulate [--port P] [--host H] [--seed S] [--latency-ms MS] [--jitter-ms MS] [--faults RATE]
                         [--fault-kinds K,K] [--strategy-faults NAME=RATE,...] [--stall-ms MS]
  --port             port to listen on (default 0: a random free port)
  --seed             seed of every answer and fault decision (default 7)
  --latency-ms       fixed latency per completion (default 0)
  --faults           probability of each fault kind applying to an eligible request, 0..1 (default 0)
  --fault-kinds      the kinds --faults enables (default all: ${ALL_FAULTS.join(', ')})
  --strategy-faults  per strategy, the probability an evolution is faulty (deepening=0.8)
Prints the base URL (ending in /v1) and runs until SIGINT/SIGTERM.`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, 'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' }, faults: { type: 'string' }, 'stall-ms': { type: 'string' },
      'fault-kinds': { type: 'string' }, 'strategy-faults': { type: 'string' },
    });
    const kinds = faultKinds(values['fault-kinds']);
    const sim = await startSimulator({
      port: number('port', values.port, 0, 65535),
      host: values.host ?? '127.0.0.1',
      seed: number('seed', values.seed, 7),
      latencyMs: number('latency-ms', values['latency-ms'], 0),
      latencyJitterMs: number('jitter-ms', values['jitter-ms'], 0),
      faultRate: number('faults', values.faults, 0, 1),
      stallMs: number('stall-ms', values['stall-ms'], 120_000),
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
    process.stdout.write(`evolflow simulator stopped after ${completions} completions (${JSON.stringify(byStatus)}), ${sim.faults().length} faults injected\n`);
    return 0;
  },
};
