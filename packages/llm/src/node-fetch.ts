// A small `fetch` for the openai SDK over node:http(s) with keep-alive agents. evolflow never
// streams completions, so the body is buffered and handed over whole; this skips most of
// undici's per-request web-stream machinery, which profiling showed to be the pipeline's largest
// CPU cost at high request rates (bench/pipeline.ts).
import http from 'node:http';
import https from 'node:https';

export interface NodeFetchOptions {
  /** Sockets kept per host (default 256). */
  maxSockets?: number;
}

type FetchInput = string | URL | Request;

/** A fetch implementation with its own keep-alive agents; unsupported inputs fall back to global fetch. */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 256;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  const nodeFetch = (input: FetchInput, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request || (init.body !== undefined && init.body !== null && typeof init.body !== 'string')) return fetch(input, init);
    const url = new URL(String(input));
    const agent = agents[url.protocol as 'http:' | 'https:'];
    if (!agent) return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init.body as string | undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const out = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) out.append(key, v);
              else if (value !== undefined) out.set(key, value);
            }
            const status = res.statusCode ?? 502;
            const nullBody = status === 204 || status === 205 || status === 304;
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: out }));
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
  return nodeFetch as typeof fetch;
}
