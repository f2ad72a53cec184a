// The phone's service worker: a participant's page, reloaded on bad Wi-Fi, comes from the
// copy kept here instead of the browser's error page. Served as /j/sw.js?v=<version>, so its
// scope is /j/ (participants' pages; staff pages are never kept) and each deploy installs a
// new worker (app/workshops/offline.py).
//
// Network first, always: online, the page and its files come from the server, so a page
// is never stale while the server answers; what came is kept, and served only when the
// network fails. A copy is one person's: the page names its person (Bridge-Person), and it is
// served only while the cookie bridge_people still names that person for its workshop.

const VERSION = new URL(self.location.href).searchParams.get("v");
const PREFIX = "bridge-offline-";
const CACHE = PREFIX + VERSION;
const PAGE = /^\/j\/[A-Za-z0-9]+$/; // a participant's page, /j/<code>
// The server behind its proxy is away (a restart, a deploy): as good as offline.
const UNREACHABLE = new Set([502, 503, 504]);

// A new deploy's worker keeps the page that installed it, and that page's files, before it takes
// over: taking over drops what the last worker kept, and a phone that lost the network in
// between had no copy at all (the browser's error page, or a page without its scripts). The
// page asks as soon as the worker installs (offline.js); if it or one of its files cannot be
// kept (offline again), the install fails and the last worker stays, with its copy, until the
// next page load online.
// A worker no page asks for (the browser updating it on its own) installs after a while.
const ASKED_WITHIN_MS = 10_000;
let installed;
const pageKept = new Promise((resolve, reject) => {
  installed = { resolve, reject };
});
pageKept.catch(() => {}); // a worker restarted later has no install to fail

self.addEventListener("install", (event) => {
  self.skipWaiting();
  const unasked = new Promise((resolve) => setTimeout(resolve, ASKED_WITHIN_MS));
  event.waitUntil(Promise.race([pageKept, unasked]));
});

// The new deploy's worker takes over at once and drops what the last one kept: a page and
// files of one version are never served with those of another.
self.addEventListener("activate", (event) => {
  // Navigation preload: the page's request leaves while the worker starts, so the network-first
  // page costs no more online than without a worker.
  const preload = self.registration.navigationPreload?.enable();
  ranPages = true;
  event.waitUntil(Promise.all([preload, dropOthers()]).then(() => self.clients.claim()));
});

// What an older worker kept; never what a newer one, still installing or waiting, keeps.
async function dropOthers() {
  if (replaced()) return;
  const { installing, waiting } = self.registration;
  const newer = [installing, waiting].map((worker) => worker && cacheOf(worker.scriptURL));
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== CACHE && !newer.includes(name)) await caches.delete(name);
  }
}

function cacheOf(scriptURL) {
  return PREFIX + new URL(scriptURL).searchParams.get("v");
}

// The old worker may still be finishing a request when the new one takes over: it then keeps
// nothing more, and what it wrote last is dropped again at the next page load. A worker that
// never ran pages (installing, waiting) is not replaced: it keeps its page before it takes over.
// Not told by the registration's installing and waiting: a worker can see them unset at first.
let ranPages = self.registration.active?.scriptURL === self.location.href; // restarted, or new
function replaced() {
  return ranPages && self.registration.active?.scriptURL !== self.location.href;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(url, async () => (await event.preloadResponse) || fetch(request)));
    event.waitUntil(dropOthers());
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(networkFirst(url, () => fetch(request)));
  }
  // Anything else (the live connection's long-polling, downloads) goes to the network untouched.
});

// A page that was not served by this worker (its first load, or the load before a new deploy's
// worker took over) asks for itself and its files to be kept: while this worker installs, or
// once it runs the page.
self.addEventListener("message", (event) => {
  const urls = event.data?.keep;
  if (!Array.isArray(urls)) return;
  const done = keepAll(urls);
  event.waitUntil(done.catch(() => {}));
  done.then(installed.resolve, installed.reject);
});

// Resolves once the page and every one of its files are kept; rejects when one could not be
// (offline already: the next load online keeps them). A page without its scripts is no copy.
async function keepAll(urls) {
  const kept = await Promise.all(urls.map(async (href) => {
    const url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin) return true;
    try {
      return await keep(url, await fetch(url, { credentials: "same-origin" }));
    } catch {
      return false;
    }
  }));
  if (!kept.every(Boolean)) throw new Error("the page or one of its files was not kept");
}

async function networkFirst(url, fromNetwork) {
  let response;
  try {
    response = await fromNetwork();
  } catch (err) {
    return (await kept(url)) || Promise.reject(err);
  }
  if (UNREACHABLE.has(response.status)) return (await kept(url)) || response;
  await keep(url, response.clone());
  return response;
}

// Keep a good answer (true once kept); a page that is no longer a participant's (the join
// form, an ended workshop) replaces nothing and removes the copy kept for its address.
async function keep(url, response) {
  if (replaced()) return false;
  const cache = await caches.open(CACHE);
  const key = url.origin + url.pathname;
  if (!PAGE.test(url.pathname)) {
    if (!response.ok || response.type !== "basic") return false;
  } else if (!response.ok || !response.headers.has("Bridge-Person")) {
    if (response.type !== "opaqueredirect" && !UNREACHABLE.has(response.status)) await cache.delete(key);
    return false;
  }
  await cache.put(key, response);
  return true;
}

async function kept(url) {
  // ignoreVary: the page varies by cookie, which is checked below instead.
  const response = await (await caches.open(CACHE)).match(url.origin + url.pathname, { ignoreVary: true });
  if (!response || !PAGE.test(url.pathname)) return response;
  return (await stillHere(response.headers.get("Bridge-Person"))) ? response : undefined;
}

// Whether the cookie still names the page's person. Where a worker cannot read cookies (no
// Cookie Store API), the page is served and its scripts check the same cookie before they show
// anything of a person's (live.js keys what it keeps by the cookie's person).
async function stillHere(person) {
  if (!self.cookieStore) return true;
  const cookie = await self.cookieStore.get("bridge_people");
  return Boolean(person && cookie && decodeURIComponent(cookie.value).split(".").includes(person));
}
