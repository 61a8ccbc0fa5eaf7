// The API client. The access token lives in this module's memory only; the refresh token is
// an HttpOnly cookie the page can neither read nor leak. A reload resumes the session through
// the cookie (POST /api/auth/refresh with X-Token-Transport: cookie).

const COOKIE_TRANSPORT = { "X-Token-Transport": "cookie" };
let accessToken = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || (status === 0 ? "network_error" : `http_${status}`);
    this.body = body || {};
  }
}

export function onSessionEnd(callback) { listeners.add(callback); }
export function isLoggedIn() { return accessToken !== null; }

function endSession() {
  const had = accessToken !== null;
  accessToken = null;
  if (had) listeners.forEach((cb) => cb());
}

async function send(method, path, { json, form, headers = {}, auth = true } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  if (auth && accessToken) init.headers.Authorization = `Bearer ${accessToken}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { error: "network_error", detail: "The server could not be reached." });
  }
  return response;
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function request(method, path, options = {}) {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && accessToken) {
    // The access token expired (15 min): rotate once through the cookie, then retry.
    if (await refresh()) response = await send(method, path, options);
    else endSession();
  }
  return parse(response);
}

export const api = {
  get: (path, o) => request("GET", path, o),
  post: (path, json, o = {}) => request("POST", path, { ...o, json }),
  put: (path, json, o = {}) => request("PUT", path, { ...o, json }),
  patch: (path, json, o = {}) => request("PATCH", path, { ...o, json }),
  del: (path, json, o = {}) => request("DELETE", path, { ...o, json }),
};

// Resume or extend the session from the refresh cookie; false when there is none.
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const body = await parse(await send("POST", "/api/auth/refresh", { headers: COOKIE_TRANSPORT, auth: false }));
        accessToken = body.access_token;
        return true;
      } catch {
        accessToken = null;
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

export async function login(loginName, password) {
  const body = await parse(await send("POST", "/api/auth/login", {
    json: { login: loginName, password, device_name: deviceName() },
    headers: COOKIE_TRANSPORT,
    auth: false,
  }));
  accessToken = body.access_token;
  return body;
}

export async function logout({ everywhere = false } = {}) {
  try {
    await request("POST", everywhere ? "/api/auth/logout-all" : "/api/auth/logout");
  } finally {
    endSession();
  }
}

// After the account is gone or the session was revoked: forget the token locally.
export function forget() { endSession(); }

export function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox"
    : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const system = /iPhone|iPad/.test(ua) ? "iPhone" : /Android/.test(ua) ? "Android"
    : /Mac OS X/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return system ? `${browser} on ${system}` : browser;
}

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
