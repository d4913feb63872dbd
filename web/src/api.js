// Reads the JSON API of drover serve. Every GET remembers the ETag and body of its URL and
// sends If-None-Match next time, so a poll that finds nothing new costs a 304 and no
// re-render. The login cookie authenticates the fetches (same origin).

const cache = new Map(); // url -> {etag, data}

// An error the API answered: status and its {"error": "..."} message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GETs `url` (a path under /api/v1) and returns {data, changed}; changed is false when
// the server answered 304 (the cached body is returned). Throws ApiError.
export async function get(url) {
  const entry = cache.get(url);
  const headers = { Accept: 'application/json' };
  if (entry && entry.etag) headers['If-None-Match'] = entry.etag;
  let res;
  try {
    res = await fetch(url, { headers, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'the server does not answer (is drover serve still running?)');
  }
  if (res.status === 304 && entry) return { data: entry.data, changed: false };
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && body.error) message = body.error;
    } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, message);
  }
  const data = await res.json();
  const etag = res.headers.get('ETag');
  if (etag) cache.set(url, { etag, data });
  if (cache.size > 2000) cache.delete(cache.keys().next().value);
  return { data, changed: true };
}

// GETs `url` and returns the body only.
export async function getData(url) {
  return (await get(url)).data;
}

// Builds a query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
