// Strategy plugin (code pack): a programming task made harder by one new constraint, or by one of its common
// requirements replaced with a less common one. From WizardCoder's (arXiv 2306.08568) code evolution
// directions, in our own words, inside core's in-depth prompt.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

/** The two directions; `ctx.random` picks one per evolution (option `directions` narrows them). */
export const DIRECTIONS = {
  constraint:
    'it is a programming task (make it one on the same subject if it is not): add one new requirement the code must meet, such as an input limit, an edge case it must handle or a restriction on what it may use, stated precisely enough to be tested.',
  'rare-requirement':
    'it is a programming task (make it one on the same subject if it is not): replace one common, well-known requirement in it with a less common and more specific one that still has a clear right answer.',
} as const;
type Direction = keyof typeof DIRECTIONS;

const factory: StrategyFactory = (options = {}) =>
  defineStrategy({
    name: 'code-constraints',
    kind: 'depth',
    prompt: (parent, ctx) => {
      const allowed = ((ctx.options.directions ?? options.directions ?? Object.keys(DIRECTIONS)) as Direction[]).filter(
        (d) => d in DIRECTIONS,
      );
      const pick = allowed[Math.floor(ctx.random() * allowed.length)] ?? 'constraint';
      return { messages: inDepthMessages(parent, { direction: DIRECTIONS[pick] }) };
    },
    parse: parseRewrite,
  });

export default factory;
