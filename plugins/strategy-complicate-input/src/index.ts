// Strategy plugin: in-depth evolution that adds data in ONE concrete format (a fenced JSON, SQL,
// code, table... block) that the task then needs. It returns the format so `validate` can check it.
import { defineStrategy, inDepthMessages, parseRewrite, PluginError, type StrategyFactory } from '@evolflow/core/plugin';

/** Formats the rewriter may be asked for; the first five are the default choice. */
export const FORMATS = [
  'json',
  'sql',
  'python',
  'javascript',
  'markdown-table',
  'typescript',
  'java',
  'c',
  'cpp',
  'go',
  'rust',
  'csv',
  'yaml',
  'xml',
] as const;
const DEFAULT_FORMATS: readonly string[] = FORMATS.slice(0, 5);

const factory: StrategyFactory = (options = {}) =>
  defineStrategy({
    name: 'complicate-input',
    kind: 'depth',
    prompt: (parent, ctx) => {
      const formats = (ctx.options.formats ?? options.formats ?? DEFAULT_FORMATS) as readonly string[];
      const bad = formats.find((f) => !(FORMATS as readonly string[]).includes(f));
      if (formats.length === 0 || bad !== undefined) {
        throw new PluginError(
          '@evolflow/strategy-complicate-input',
          `strategies.options.complicate-input.formats: unknown or empty (${String(bad)}); use some of ${FORMATS.join(', ')}`,
        );
      }
      const format = formats[Math.floor(ctx.random() * formats.length)] ?? (formats[0] as string);
      const direction = `add data written in ${format} format, in one fenced block, that the task needs as its input.`;
      return { messages: inDepthMessages(parent, { direction, budget: 'Add only 10 to 20 words of text besides that data.' }), format };
    },
    parse: parseRewrite,
  });

export default factory;
