// A participant's page works after a reload on bad Wi-Fi: it registers the phone's service
// worker (offline_worker.js, served as /j/sw.js), which keeps the page and its files and serves
// them when the network fails, and live.js keeps the room's last snapshot in localStorage, which
// shows the room before the connection is back. Service workers need a secure context (https,
// or 127.0.0.1 and localhost): over plain http to a LAN address there is none, and the room
// then shows offline only when the browser has the page in its own cache.

// Who this browser is in a workshop now: the person the cookie bridge_people names for it (set
// by the server with every participant's page: app/workshops/offline.py), or null. What a phone
// keeps is keyed by it, not by what the page says: a page from a cache may be someone else's.
export function personHere(workshop) {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("bridge_people="));
  const people = cookie ? decodeURIComponent(cookie.slice("bridge_people=".length)).split(".") : [];
  return people.find((person) => person.startsWith(`${workshop}-`)) || null;
}

// live.js's state back in the shape of the server's snapshot (docs/protocol.md), the countdown
// at the time left now.
export function snapshotOf(st, timeLeftMs) {
  const timer = st.workshop.timer && { ...st.workshop.timer, remaining_ms: timeLeftMs };
  return {
    v: st.v, workshop: { ...st.workshop, timer }, items: [...st.items.values()], themes: st.themes,
    comments: [...st.comments.values()], reactions: Object.fromEntries(st.reactions),
    my_reactions: [...st.myReactions], connected: st.connected, me: st.me, rounds: [...st.rounds.values()],
    tallies: [...st.tallies.values()], my_ballots: Object.fromEntries(st.myBallots),
    teams: [...st.teams.values()], team_tags: st.teamTags, my_teams: Object.fromEntries(st.myTeams),
    contacts: st.contacts,
  };
}

export function workOffline(offline) {
  if (!offline?.worker || !("serviceWorker" in navigator)) return;
  const workers = navigator.serviceWorker;
  let asked = null; // the worker this page asked to keep it
  const keepThisPage = (worker) => {
    if (!worker || worker.scriptURL === asked) return;
    asked = worker.scriptURL;
    worker.postMessage({ keep: [location.pathname, ...filesOfThisPage()] });
  };
  // A new deploy's worker (or the first one) installs only once it holds this page and its
  // files (offline_worker.js); a page no worker served (a shift-reload, the join form's answer)
  // or served by the worker of an earlier deploy asks the worker that runs it now, if that one
  // was installed elsewhere.
  workers.addEventListener("controllerchange", () => keepThisPage(workers.controller));
  workers.register(offline.worker, { scope: "/j/" }).then(
    async (registration) => {
      // No registration where workers are blocked (Playwright's service_workers="block").
      if (registration?.installing) keepThisPage(registration.installing);
      else if (!workers.controller || offline.keep) keepThisPage((await workers.ready).active);
    },
    () => {}, // no worker: online only, as before
  );
}

// This page's own files (its modules, stylesheet and icon), as the browser loaded them.
function filesOfThisPage() {
  const urls = performance.getEntriesByType("resource").map((entry) => entry.name);
  for (const node of document.querySelectorAll("script[src], link[href]")) urls.push(node.src || node.href);
  return [...new Set(urls)].filter((href) => {
    const url = new URL(href);
    return url.origin === location.origin && url.pathname.startsWith("/static/");
  });
}
