// `evolflow stage <name>`: one stage as its own process (Kafka), the same main each service runs.
import { PIPELINE, type StageName } from '@evolflow/core';
import { serveStage } from '@evolflow/runtime';
import { parseCommandArgs, UsageError, type Args } from '../command.ts';
import { STAGE_FACTORIES } from '../pipeline.ts';
import { STAGE_OPTIONS } from './options.ts';

/** `evolflow stage NAME [options]`: the stage name, then the config flags (STAGE_OPTIONS), which serveStage reads. */
export async function run({ positionals }: Args): Promise<number> {
  const [name, ...rest] = positionals;
  const spec = PIPELINE.find((s) => s.name === name);
  if (!spec)
    throw new UsageError(`stage: name one of ${PIPELINE.map((s) => s.name).join(', ')}${name === undefined ? '' : `, not "${name}"`}`);
  // The flags are checked against the table (unknown option or bad value: exit 2) before the stage starts.
  parseCommandArgs(
    { name: 'stage', summary: '', description: '', options: STAGE_OPTIONS, load: () => Promise.reject(new Error('unused')) },
    rest,
  );
  return serveStage({ name: spec.name as StageName, create: STAGE_FACTORIES[spec.name], argv: rest });
}
