// Keeping secrets out of everything evolflow writes or prints: API keys in the config, credentials
// in URLs (`https://user:key@host`, `?api_key=`), bearer tokens, and any value registered as a
// secret. One helper for run.json, logs, error messages and the command's own output.

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/** Config keys and URL query parameters whose values are secrets. */
const SECRET_NAME =
  /^(?:api[-_]?key|apikey|key|x[-_]api[-_]key|access[-_]?token|token|auth|authorization|password|passwd|pwd|secret|client[-_]secret|sig|signature|credentials?)$/i;
/** Config keys that hold a secret whatever their exact spelling (`apiKey`, `evolverApiKey`, `openaiToken`...). */
const SECRET_KEY = /(?:api[-_]?key|secret|token(?!s)|password|passwd|credential)/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const PARAM_IN_TEXT =
  /\b(api[-_]?key|apikey|x[-_]api[-_]key|access[-_]?token|token|password|passwd|secret|client[-_]secret)(\s*[=:]\s*)("?)([^\s"&,;]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;
/**
 * Shorter registered values would redact ordinary words (placeholder keys such as `none` or `ollama`
 * are common); a key-named setting is redacted whatever its length.
 */
const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();

/** Remember `value` as a secret: from now on `redactText` replaces it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Register every secret of a (config-like) value: secret-named keys and the credentials of every URL in it. */
export function registerSecretsOf(value: unknown, key = ''): void {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && value !== '') registerSecret(value);
    for (const url of value.match(URL_IN_TEXT) ?? []) {
      try {
        const u = new URL(url);
        registerSecret(decodeURIComponent(u.username));
        registerSecret(decodeURIComponent(u.password));
        for (const [name, v] of u.searchParams) if (SECRET_NAME.test(name)) registerSecret(v);
      } catch {
        // Not a URL after all: redactText's patterns still apply.
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretsOf(v, key);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) registerSecretsOf(v, k);
  }
}

/** A URL with its user, password and secret query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactPatterns(url);
  }
  let changed = false;
  if (u.username !== '' || u.password !== '') {
    u.username = REDACTED;
    u.password = '';
    changed = true;
  }
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_NAME.test(name)) {
      u.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  // Unchanged URLs are returned as given, not as URL normalised them.
  return changed ? u.href.replaceAll(encodeURIComponent(REDACTED), REDACTED) : url;
}

function redactPatterns(text: string): string {
  return text
    .replace(PARAM_IN_TEXT, (...[, name, sep, quote]: string[]) => `${name}${sep}${quote}${REDACTED}`)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

/** Free text (a log line, an error message) with URL credentials, key=value secrets, bearer tokens and registered secrets redacted. */
export function redactText(text: string): string {
  let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  out = redactPatterns(out);
  for (const s of secrets) if (out.includes(s)) out = out.replaceAll(s, REDACTED);
  return out;
}

/**
 * A deep copy of `value` safe to write: secret-named keys (`apiKey`, per-role keys...) hold
 * `[redacted]` when set, and every other string goes through `redactText`.
 */
export function redactDeep<T>(value: T, key = ''): T {
  return redactAt(value, key, 0) as T;
}

function redactAt(value: unknown, key: string, depth: number): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) && value !== '' ? REDACTED : redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 32) return '[too deep to redact]';
  if (value instanceof Error)
    return { type: value.name, message: redactText(value.message), ...(value.stack ? { stack: redactText(value.stack) } : {}) };
  if (Array.isArray(value)) return value.map((v) => redactAt(v, key, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactAt(v, k, depth + 1);
  return out;
}
