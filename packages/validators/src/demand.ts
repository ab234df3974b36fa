// What response format an instruction demands ("answer in JSON", "write a SQL query", "as a
// Markdown table", "write a Python function"), for the eliminate stage's response check.

const VERB = String.raw`(?:answer|respond|reply|return|returns|output|provide|give|produce|generate|emit|write|format|formatted|present|structure|structured|express|convert|rewrite|list|show|summari[sz]e|organi[sz]e|display|put|create|make)`;
const AS = String.raw`(?:in|as|into|using|with)\s+(?:an?\s+|the\s+|valid\s+|strict\s+|only\s+|well-formed\s+|proper\s+)*`;

function demandOf(word: string): RegExp[] {
  return [
    new RegExp(String.raw`\b${VERB}\b[^.?!\n]{0,60}?\b${AS}${word}\b`, 'i'),
    new RegExp(
      String.raw`\b(?:return|output|respond with|reply with|answer with|produce|generate|emit|give me|provide)\s+(?:an?\s+|valid\s+|only\s+|the\s+)*${word}\b`,
      'i',
    ),
    new RegExp(String.raw`\b${word}\s+(?:format|output|response)\b`, 'i'),
  ];
}

const DATA: readonly [string, RegExp[]][] = [
  ['json', demandOf('json')],
  ['yaml', demandOf('ya?ml')],
  ['csv', demandOf('csv')],
  ['xml', demandOf('xml')],
  ['html', demandOf('html')],
  ['latex', demandOf('latex')],
  ['markdown-table', [...demandOf('(?:markdown\\s+)?table'), /\bmarkdown table\b/i]],
];

const LANGUAGES: readonly [string, RegExp][] = [
  ['typescript', /\btypescript\b/i],
  ['javascript', /\b(?:javascript|node\.?js)\b/i],
  ['python', /\bpython\b/i],
  ['java', /\bjava\b(?!\s*script)/i],
  ['cpp', /\bc\+\+|\bcpp\b/i],
  ['rust', /\brust\b/i],
  ['go', /\bgolang\b|\bgo\s+(?:program|function|code|script|routine)\b|\b(?:in|using)\s+go\b/i],
  ['c', /\b(?:in|using)\s+c\b(?![+#])|\bc\s+(?:program|function|code)\b|\bansi c\b/i],
];

const CODE_TASK =
  /\b(?:write|implement|create|code|develop|provide|give|build|design|complete|fix|refactor|rewrite|translate|convert|port)\b[^.?!\n]{0,80}?\b(?:function|program|script|class|method|code|snippet|implementation|algorithm|module|routine)\b/i;
const SQL_TASK =
  /\b(?:write|give|provide|return|produce|generate|create|compose|construct|formulate|craft)\b[^.?!\n]{0,60}?\b(?:sql\s+)?(?:query|queries|statement)\b/i;

/** The format an instruction demands of its response, or undefined when it demands none. */
export function demandedFormat(instruction: string): string | undefined {
  if (SQL_TASK.test(instruction) && /\b(?:sql|mysql|postgres\w*|sqlite|t-sql|database|table)\b/i.test(instruction)) return 'sql';
  if (
    /\bsql\s+(?:query|statement)\b/i.test(instruction) &&
    /\b(?:write|give|provide|return|produce|generate|create|compose)\b/i.test(instruction)
  )
    return 'sql';
  if (CODE_TASK.test(instruction)) {
    for (const [language, re] of LANGUAGES) if (re.test(instruction)) return language;
  }
  for (const [format, patterns] of DATA) if (patterns.some((re) => re.test(instruction))) return format;
  return undefined;
}
