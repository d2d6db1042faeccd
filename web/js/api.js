// The HTTP API of bantrack (api/openapi.json), the only thing the page talks to.

// A non-2xx answer. `problem` is the RFC 9457 document when the server sent one.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? { status, title: `HTTP ${status}`, detail: '' };
  }

  // errors[] of the problem document: [{path, message}]; empty when the server named no path.
  get fieldErrors() {
    return this.problem.errors ?? [];
  }
}

function urlOf(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return url;
}

// fetch, then {body (parsed JSON), response}; a non-2xx answer (or no answer) becomes an ApiError.
async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (networkError) {
    throw new ApiError(0, { status: 0, title: 'The server did not answer', detail: networkError.message });
  }
  const text = await response.text();
  if (response.ok) return { body: text ? JSON.parse(text) : null, response };
  let problem = null;
  try {
    problem = JSON.parse(text);
  } catch {
    // not a problem document (e.g. a proxy's error page): ApiError falls back to the status alone
  }
  throw new ApiError(response.status, problem);
}

export async function getJson(path, params) {
  const { body } = await send(urlOf(path, params), { headers: { Accept: 'application/json' } });
  return body;
}

// Every item of a paged list route, following next_cursor at the largest page size. Returns the last page's
// document with `items` holding all of them.
export async function getAllPages(path, params) {
  const items = [];
  let cursor;
  for (;;) {
    const page = await getJson(path, { ...params, limit: 1000, cursor });
    items.push(...page.items);
    if (!page.next_cursor) return { ...page, items };
    cursor = page.next_cursor;
  }
}

// A write with the editor's bearer token: POST/PUT a JSON body; `reason` goes into the edit log. Returns the
// stored record and the data version the write made (X-Bantrack-Snapshot).
export async function writeJson(method, path, { body, reason, token }) {
  const { body: record, response } = await send(urlOf(path, { reason }), {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { record, snapshot: response.headers.get('X-Bantrack-Snapshot') };
}
