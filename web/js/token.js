// The editor's API token: kept in sessionStorage only (gone when the tab closes), never in localStorage or a URL.
const KEY = 'bantrack.editorToken';

// Fired on window when the token is set or forgotten (the header shows "Editor mode").
export const TOKEN_EVENT = 'bantrack:editor-token';

export function editorToken() {
  return window.sessionStorage.getItem(KEY) ?? '';
}

export function setEditorToken(token) {
  window.sessionStorage.setItem(KEY, token.trim());
  window.dispatchEvent(new Event(TOKEN_EVENT));
}

export function forgetEditorToken() {
  window.sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event(TOKEN_EVENT));
}
