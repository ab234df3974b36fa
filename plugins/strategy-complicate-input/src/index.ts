// Strategy plugin: in-depth evolution that adds data in ONE concrete format (a fenced JSON, SQL,
// code, table... block) that the task then needs. It returns the format so `validate` can check it.
import { defineStrategy, PluginError, taskText, type StrategyFactory } from '@evolflow/core';

/** Formats the rewriter may be asked for; the first five are the default choice. */
export const FORMATS = ['json', 'sql', 'python', 'javascript', 'markdown-table', 'typescript', 'java', 'c', 'cpp', 'go', 'rust', 'csv', 'yaml', 'xml'] as const;
const DEFAULT_FORMATS: readonly string[] = FORMATS.slice(0, 5);

const rules = (format: string): string => [
  'You are a prompt rewriter. Rewrite the prompt below into a somewhat harder version, one that capable AI',
  'assistants such as ChatGPT and GPT-4 find more demanding, while people can still understand and answer it.',
  'Keep every non-text part of it (tables, code, data) as it is, and keep it self-contained.',
  `Make it harder in exactly one direction: add data written in ${format} format, in one fenced block, that the task needs as its input.`,
  'Add only 10 to 20 words of text besides that data. Never use the words "#The Given Prompt#",',
  '"#Rewritten Prompt#", "given prompt" or "rewritten prompt" in your result.',
].join('\n');

const factory: StrategyFactory = (options = {}) => defineStrategy({
  name: 'complicate-input',
  kind: 'depth',
  prompt: (parent, ctx) => {
    const formats = (ctx.options.formats ?? options.formats ?? DEFAULT_FORMATS) as readonly string[];
    const bad = formats.find((f) => !(FORMATS as readonly string[]).includes(f));
    if (formats.length === 0 || bad !== undefined) {
      throw new PluginError('@evolflow/strategy-complicate-input', `strategies.options.complicate-input.formats: unknown or empty (${String(bad)}); use some of ${FORMATS.join(', ')}`);
    }
    const format = formats[Math.floor(ctx.random() * formats.length)] ?? (formats[0] as string);
    const content = `${rules(format)}\n\n#The Given Prompt#:\n${taskText(parent)}\n\n#Rewritten Prompt#:\n`;
    return { messages: [{ role: 'user', content }], format };
  },
  parse: (output) => {
    const text = output.trim().replace(/^(["'\u201c])([\s\S]*)(["'\u201d])$/u, (whole, a: string, body: string, b: string) =>
      ((a === b || (a === '\u201c' && b === '\u201d')) ? body.trim() : whole));
    return text ? { instruction: text } : { error: 'empty evolver output' };
  },
});

export default factory;
