// Math answer cross-checking: extract a final answer from a response, normalise it, and keep a response only
// when k independent samples agree with it by majority. Owned by the math-pack work (issue 16); the verify
// stage calls judgeMath with the kept response and its k samples.

/** The verdict of one math cross-check. */
export interface MathVerdict {
  readonly ok: boolean;
  /** Why it was not kept: no final answer in the response, or the samples do not agree with it by majority. */
  readonly reason?: 'no-answer' | 'no-consensus';
  /** The normalised final answer of the response, when one was found. */
  readonly answer?: string;
  /** Normalised answer -> number of samples (the response included) that gave it. */
  readonly votes: Readonly<Record<string, number>>;
  readonly samples: number;
  /** One line for the record's check detail. */
  readonly detail: string;
}

/** Whether an instruction (and its response) asks for a numeric/mathematical final answer. */
export function looksLikeMath(instruction: string, response?: string): boolean {
  void instruction; void response;
  throw new Error('looksLikeMath: not implemented yet');
}

/** The final answer stated in a response (\\boxed{}, "answer is", "= x" on the last line, ...), raw. */
export function extractFinalAnswer(text: string): string | undefined {
  void text;
  throw new Error('extractFinalAnswer: not implemented yet');
}

/** A canonical form (numbers, fractions, simple expressions) so equal answers compare equal; undefined when unreadable. */
export function normaliseAnswer(raw: string): string | undefined {
  void raw;
  throw new Error('normaliseAnswer: not implemented yet');
}

/** Keep `response` when a majority of [response, ...samples] agree and the response is one of that majority. */
export function judgeMath(response: string, samples: readonly string[]): MathVerdict {
  void response; void samples;
  throw new Error('judgeMath: not implemented yet');
}
