// The validate stage: cheap rules, then the format validators, before any response is paid for.
import { loadStrategy, rejectChild, taskText, type Emit, type EvolRecord, type StageEnv, type StageHandler } from '@evolflow/core';
import { createFormatChecker } from '@evolflow/validators';
import { cheapRules, lostInput } from './rules.ts';

export async function createValidateStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const { config } = env;
  const { sqlDialect } = config.validate;
  const checker = await createFormatChecker({
    extra: config.validate.validators,
    cwd: env.cwd,
    ...(sqlDialect === 'auto' ? {} : { sqlDialect }),
  });
  // Strategy kinds by name: breadth evolutions (mutation) may drop their parent's data.
  const kinds = new Map<string, 'depth' | 'breadth'>();
  for (const spec of config.strategies.enabled) {
    const strategy = await loadStrategy(spec, { cwd: env.cwd, options: config.strategies.options[spec] ?? {} });
    kinds.set(strategy.name, strategy.kind);
  }
  return {
    name: 'validate',
    async handle(record: EvolRecord): Promise<Emit[]> {
      const reject = (reason: string, detail: string) => rejectChild(record, { stage: 'validate', reason, detail }, config.run.rounds);
      const parentText = record.parent ? taskText(record.parent) : '';
      const verdict =
        cheapRules(record.instruction, parentText, config.validate) ??
        (record.parent ? lostInput(record, record.parent, kinds.get(record.strategy ?? '') ?? 'depth') : undefined);
      if (verdict) return reject(verdict.reason, verdict.detail);
      const options = record.format === undefined ? {} : { expectFormat: record.format };
      const report = await checker.checkInstruction(record.instruction, options);
      if (!report.ok) return reject(report.reason ?? 'invalid-format', report.detail ?? 'format check failed');
      const detail = report.pieces.length > 0 ? report.pieces.map((p) => `${p.format}:ok`).join(',') : undefined;
      const check =
        detail === undefined ? { stage: 'validate' as const, reason: 'ok' } : { stage: 'validate' as const, reason: 'ok', detail };
      return [{ topic: 'validated', record: { ...record, checks: [...record.checks, check] } }];
    },
  };
}
