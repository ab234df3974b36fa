import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep, redactText, redactUrl, registerSecret, registerSecretsOf } from './redact.ts';

describe('redaction', () => {
  it('redacts URL credentials and secret query parameters, and leaves clean URLs as given', () => {
    expect(redactUrl('https://user:sk-live-123456@api.example.com/v1')).toBe(`https://${REDACTED}@api.example.com/v1`);
    expect(redactUrl('https://sk-only-key-99@api.example.com/v1')).toBe(`https://${REDACTED}@api.example.com/v1`);
    expect(redactUrl('http://127.0.0.1:8000/v1?api_key=abcdef123&model=x')).toBe(`http://127.0.0.1:8000/v1?api_key=${REDACTED}&model=x`);
    expect(redactUrl('http://127.0.0.1:8000/v1?key=abcdef123')).toBe(`http://127.0.0.1:8000/v1?key=${REDACTED}`);
    expect(redactUrl('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/v1');
  });

  it('redacts URLs, key=value pairs and bearer tokens inside free text', () => {
    const text =
      'LLM call failed: check the endpoint at https://u:p4ssw0rd-xyz@host.example/v1 (api_key=zzz-secret-1, Authorization: Bearer sk-abcdefghijkl)';
    const out = redactText(text);
    expect(out).not.toMatch(/p4ssw0rd-xyz|zzz-secret-1|sk-abcdefghijkl/);
    expect(out).toContain(`https://${REDACTED}@host.example/v1`);
    expect(out).toContain(`api_key=${REDACTED}`);
    expect(out).toContain(`Bearer ${REDACTED}`);
  });

  it('redacts a registered secret wherever it appears, and only values long enough to be secrets', () => {
    registerSecret('planted-SECRET-value-42');
    registerSecret('ollama');
    expect(redactText('the key planted-SECRET-value-42 leaked; the ollama endpoint stays')).toBe(
      `the key ${REDACTED} leaked; the ollama endpoint stays`,
    );
    expect(redactDeep({ apiKey: 'ollama', model: 'ollama/llama3' })).toEqual({ apiKey: REDACTED, model: 'ollama/llama3' });
  });

  it('redacts secret-named config keys (apiKey, per-role keys) and URLs deep in a config, without touching the input', () => {
    const config = {
      llm: {
        apiKey: 'sk-test-000111',
        baseUrl: 'https://a:b-secret-77@h/v1',
        roles: { judge: { apiKey: 'sk-judge-222333', maxTokens: 5, baseUrl: '' } },
      },
      run: { rounds: 4 },
    };
    const out = redactDeep(config);
    expect(out).toEqual({
      llm: { apiKey: REDACTED, baseUrl: `https://${REDACTED}@h/v1`, roles: { judge: { apiKey: REDACTED, maxTokens: 5, baseUrl: '' } } },
      run: { rounds: 4 },
    });
    expect(config.llm.apiKey).toBe('sk-test-000111');
    registerSecretsOf(config);
    expect(redactText('x sk-judge-222333 y b-secret-77 z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('keeps an empty key empty and numbers as numbers', () => {
    expect(redactDeep({ apiKey: '', promptTokens: 3, maxTokens: 4 })).toEqual({ apiKey: '', promptTokens: 3, maxTokens: 4 });
  });
});
