// Hash routes: #/, #/app/<id>, #/entity/<id>, #/rule/<id>, #/timeline, #/check?…, #/edit, #/edit/new, #/edit/<id>.
// The query after the path holds a view's state (filters, sort, form fields), so every state is linkable.

export function currentRoute() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

// '#/check?app=deepseek' from a path and {name: value}; empty values are left out.
export function hrefFor(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

// Records a view's new state in the URL without rendering the view again (filters as they are typed).
export function replaceParams(params) {
  window.history.replaceState(null, '', hrefFor(currentRoute().path, params));
}

// Records a new state as a history entry (a submitted form) without rendering the view again; Back returns to
// the previous state through a hashchange.
export function pushParams(params) {
  const href = hrefFor(currentRoute().path, params);
  if (href !== window.location.hash) window.history.pushState(null, '', href);
}

export function navigate(path, params) {
  window.location.hash = hrefFor(path, params);
}

// A message for the next view to show once (e.g. "Saved" after a write that moves to another view).
let pendingFlash = null;
export function setFlash(message) {
  pendingFlash = message;
}
export function takeFlash() {
  const message = pendingFlash;
  pendingFlash = null;
  return message;
}
