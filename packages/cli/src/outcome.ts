// A run's outcome and the `evolflow` exit codes: 0 only when the run produced what it was asked
// for. The README's exit-code table lists the same codes.
import type { LlmUsage } from '@evolflow/llm';

/** Every exit code of the `evolflow` command. */
export const EXIT = Object.freeze({
  /** The run produced what it was asked for. */
  ok: 0,
  /** Any other error that ended the run (the message says what); also an unexpected error (a bug). */
  internal: 1,
  /** Bad usage: an unknown flag, a bad value or config, a missing or folder seed file, a file as --out, outputs over inputs. */
  usage: 2,
  /** No seeds: an empty seed file, or no usable line in the seed files. */
  emptyInput: 3,
  /** Every LLM request failed (closed port, wrong URL, all 5xx...), or the last `run.failFastAfter` in a row did. */
  llmAllFailed: 4,
  /** The share of failed LLM requests passed `run.maxFailureRate`. */
  llmFailureRate: 5,
  /** Another run holds the lock on --out. */
  locked: 6,
  /** The transport cannot be reached (the Kafka brokers). */
  transport: 7,
  /** Stopped at the --max-cost cap: the outputs hold what was finished (partial: true in run.json). */
  maxCost: 8,
  /** Stopped by SIGINT (128 + 2) / SIGTERM (128 + 15). */
  interrupted: 130,
  terminated: 143,
});

export interface RunOutcome {
  exitCode: number;
  /** `ok`, or why the run did not produce what it was asked for. */
  status: 'ok' | 'empty-input' | 'llm-all-failed' | 'llm-failing' | 'llm-failure-rate' | 'max-cost' | 'interrupted';
  /** One line for the user (empty when ok). */
  message: string;
}

export interface OutcomeFacts {
  /** Seeds that entered the run, and seed lines rejected. */
  seeds: number;
  seedRejects: number;
  seedFiles: readonly string[];
  llm: Pick<LlmUsage, 'calls' | 'cacheHits' | 'retries' | 'errors'>;
  maxFailureRate: number;
  /** One failed request's message, to show why. */
  sampleError?: string | undefined;
}

/** LLM requests asked of the client (retries not counted twice, cache hits counted) and how many failed for good. */
export function llmFailures(u: OutcomeFacts['llm']): { requests: number; failed: number } {
  return { requests: u.calls - u.retries + u.cacheHits, failed: u.errors };
}

/** Judge a finished run. */
export function judgeRun(f: OutcomeFacts): RunOutcome {
  if (f.seeds === 0) {
    const files = f.seedFiles.join(', ');
    const why = f.seedRejects > 0 ? `every one of its ${f.seedRejects} lines was rejected (see rejected.jsonl)` : 'it holds no seed line';
    return { exitCode: EXIT.emptyInput, status: 'empty-input', message: `no seeds to evolve in ${files}: ${why}` };
  }
  const { requests, failed } = llmFailures(f.llm);
  const sample = f.sampleError ? `; first failure: ${f.sampleError}` : '';
  if (failed > 0 && failed === requests) {
    return {
      exitCode: EXIT.llmAllFailed,
      status: 'llm-all-failed',
      message: `every LLM request failed (${failed} of ${requests}): the dataset holds no evolution${sample}`,
    };
  }
  if (requests > 0 && failed / requests > f.maxFailureRate) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    return {
      exitCode: EXIT.llmFailureRate,
      status: 'llm-failure-rate',
      message: `${failed} of ${requests} LLM requests failed (${pct(failed / requests)}, above run.maxFailureRate ${pct(f.maxFailureRate)})${sample}`,
    };
  }
  return { exitCode: EXIT.ok, status: 'ok', message: '' };
}

/** Why a run was stopped early when no signal stopped it: its LLM requests kept failing (`run.failFastAfter`). */
export const LLM_FAILING = 'llm-failing';

/** Why a run was stopped early when its spending reached `--max-cost`. */
export const MAX_COST = 'max-cost';

/**
 * The outcome of a run stopped early by `reason`: a signal (`SIGINT` -> 130, `SIGTERM` -> 143), or
 * `llm-failing` (4) when the last `run.failFastAfter` LLM requests all failed, or `max-cost` (8) at the --max-cost cap.
 */
export function stoppedOutcome(reason: string, partial: boolean, sampleError?: string): RunOutcome {
  const what = partial ? 'the outputs hold what was finished so far (partial: true in run.json)' : 'nothing was left undone';
  if (reason === LLM_FAILING) {
    const sample = sampleError ? `; first failure: ${sampleError}` : '';
    return {
      exitCode: EXIT.llmAllFailed,
      status: 'llm-failing',
      message: `the LLM requests kept failing (run.failFastAfter in a row), so the run stopped early: ${what}${sample}`,
    };
  }
  if (reason === MAX_COST) {
    return {
      exitCode: EXIT.maxCost,
      status: 'max-cost',
      message: `the LLM spending reached --max-cost, so the run stopped early: ${what}`,
    };
  }
  const exitCode = reason === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  return { exitCode, status: 'interrupted', message: `stopped by ${reason}: ${what}` };
}
