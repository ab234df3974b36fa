// Building blocks for strategy plugins, so each plugin states only what is its own: the
// WizardLM-style in-depth prompt (in our words) around one direction, and the parse of a rewrite.
import type { ChatMessage, ParsedEvolution } from './contracts.ts';
import { stripLeadingMeta } from './meta.ts';
import type { EvolRecord } from './record.ts';
import { taskText } from './text.ts';

const PREAMBLE = [
  'You are a prompt rewriter. Rewrite the prompt below into a somewhat harder version, one that capable AI',
  'assistants such as ChatGPT and GPT-4 find more demanding, while people can still understand and answer it.',
  'Keep every non-text part of it (tables, code, data) as it is, and keep it self-contained.',
].join('\n');
const META_BAN = 'Never use the words "#The Given Prompt#", "#Rewritten Prompt#", "given prompt" or "rewritten prompt" in your result.';

export interface InDepthOptions {
  /** The one direction to make the prompt harder in, as a sentence ("add exactly one more constraint ..."). */
  direction: string;
  /** The growth allowance (default: "Add only 10 to 20 words to it."). */
  budget?: string;
}

/** The evolver messages of an in-depth strategy: rules, `#The Given Prompt#:` block, `#Rewritten Prompt#:`. */
export function inDepthMessages(parent: EvolRecord, options: InDepthOptions): ChatMessage[] {
  const rules = `${PREAMBLE}\nMake it harder in exactly one direction: ${options.direction}\n${options.budget ?? 'Add only 10 to 20 words to it.'} ${META_BAN}`;
  return [{ role: 'user', content: `${rules}\n\n#The Given Prompt#:\n${taskText(parent)}\n\n#Rewritten Prompt#:\n` }];
}

/**
 * The rewrite in an evolver's answer: trimmed, one pair of wrapping quotes removed, and a leading
 * meta header or preamble ("#Rewritten Prompt#:", "Here's a harder version:", "The new prompt is:",
 * "以下是改写后的提示：") removed when what follows is a clean rewrite. Meta anywhere else is kept
 * for the validate stage to reject as `meta-copy`.
 */
export function parseRewrite(output: string): ParsedEvolution {
  const text = unquote(stripLeadingMeta(unquote(output.trim())).text);
  return text ? { instruction: text } : { error: 'empty evolver output' };
}

function unquote(text: string): string {
  const [, a, body, b] = /^(["'\u201c])([\s\S]*)(["'\u201d])$/u.exec(text) ?? [];
  return body !== undefined && (a === b || (a === '\u201c' && b === '\u201d')) ? body.trim() : text;
}

/**
 * The rewritten problem without a worked solution or answer the evolver may have added after it
 * ("Answer:", "Solution:", "Step 1:", "答案："...): the responder must solve it. For the math pack's parse.
 */
export function withoutSolution(output: string): string {
  const at = output.search(/^[ \t*#]*(answer|solution|final answer|step 1|答案|解答|解)\s*[:：]/imu);
  return at < 0 ? output : output.slice(0, at);
}
