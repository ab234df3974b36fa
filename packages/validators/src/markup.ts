// Markup validators: YAML (the yaml package), XML (fast-xml-parser's validator), and HTML
// (parse5's tokenizer errors plus a check that non-void elements are closed in order).
import { XMLValidator } from 'fast-xml-parser';
import { parseFragment } from 'parse5';
import { parseAllDocuments } from 'yaml';
import { defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { fail, failAt } from './position.ts';

/** Check YAML (every document in the stream); errors carry the yaml package's position. */
export function checkYaml(text: string): ValidationResult {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const e = doc.errors[0];
    if (e) return fail('yaml', `invalid YAML: ${e.message.split('\n')[0]}`, { line: e.linePos?.[0].line, column: e.linePos?.[0].col });
  }
  if (!Array.isArray(docs)) return fail('yaml', 'invalid YAML: the stream is empty');
  return { ok: true, format: 'yaml' };
}

/** Check well-formed XML. */
export function checkXml(text: string): ValidationResult {
  const r = XMLValidator.validate(text.trim(), { allowBooleanAttributes: true });
  if (r === true) return { ok: true, format: 'xml' };
  const lead = text.length - text.trimStart().length;
  const leadLines = text.slice(0, lead).split('\n').length - 1;
  return fail('xml', `invalid XML: ${r.err.msg}`, { line: r.err.line + leadLines, column: r.err.col });
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
  'command',
  'keygen',
]);
/** Elements whose end tag HTML lets you leave out. */
const OPTIONAL_END = new Set([
  'p',
  'li',
  'dt',
  'dd',
  'option',
  'optgroup',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'rb',
  'rt',
  'rp',
  'rtc',
  'html',
  'head',
  'body',
]);
/** HTML's own elements; any other bare word in angle brackets (`<mask>`, `<name>`) is a placeholder, not checked. */
const HTML_ELEMENTS = new Set(
  'a abbr address article aside audio b bdi bdo blockquote body button canvas caption cite code colgroup data datalist dd del details dfn dialog div dl dt em fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup html i iframe ins kbd label legend li main map mark menu meter nav noscript object ol optgroup option output p picture pre progress q rp rt ruby s samp script search section select slot small span strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr u ul var video'.split(
    ' ',
  ),
);
const TAG = /<!--[\s\S]*?-->|<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>|<!\[CDATA\[[\s\S]*?\]\]>|<!?[^>]*>/gi;

/** Check HTML: no tokenizer errors, every end tag matches an open element, nothing left open. */
export function checkHtml(text: string): ValidationResult {
  let tokenError: ValidationResult | undefined;
  parseFragment(text, {
    onParseError: (e) => {
      tokenError ??= fail('html', `invalid HTML: ${e.code}`, { line: e.startLine, column: e.startCol });
    },
  });
  if (tokenError) return tokenError;
  const stack: { name: string; offset: number }[] = [];
  for (const m of text.matchAll(TAG)) {
    const tag = m[0];
    if (tag.startsWith('<!') || tag.startsWith('<?')) continue;
    const script = /^<(script|style)\b/i.exec(tag);
    if (script) continue; // a whole <script>...</script> matched at once
    const t = /^<(\/?)([a-zA-Z][\w:-]*)[\s\S]*?(\/?)>$/.exec(tag);
    if (!t) continue;
    const name = (t[2] ?? '').toLowerCase();
    if (VOID.has(name) || t[3] === '/' || (!HTML_ELEMENTS.has(name) && !name.includes('-'))) continue;
    if (t[1] !== '/') {
      stack.push({ name, offset: m.index });
      continue;
    }
    const at = stack.map((s) => s.name).lastIndexOf(name);
    if (at < 0) return failAt('html', text, { message: `invalid HTML: end tag </${name}> has no matching open element`, offset: m.index });
    const skipped = stack.slice(at + 1).find((s) => !OPTIONAL_END.has(s.name));
    if (skipped)
      return failAt('html', text, { message: `invalid HTML: <${skipped.name}> is not closed before </${name}>`, offset: skipped.offset });
    stack.length = at;
  }
  const open = stack.find((s) => !OPTIONAL_END.has(s.name));
  if (open) return failAt('html', text, { message: `invalid HTML: <${open.name}> is never closed`, offset: open.offset });
  return { ok: true, format: 'html' };
}

/** Creates the YAML validator. */
export function yamlValidator(): Validator {
  return defineValidator({ name: 'yaml', formats: ['yaml'], reason: 'invalid-yaml', validate: (text) => checkYaml(text) });
}

/** Creates the XML and HTML validator. */
export function xmlValidator(): Validator {
  return defineValidator({
    name: 'xml',
    formats: ['xml', 'html'],
    reason: 'invalid-xml',
    validate: (text, ctx) => (ctx.hints?.format === 'html' ? checkHtml(text) : checkXml(text)),
  });
}
