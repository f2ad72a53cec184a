// Teams, on every screen: who goes together to a chosen market (or after a top idea).
// The phone counts its person in (what they bring and look for, their consents), the projector
// shows each team forming, the cockpit chooses the teams and reads every member. What each
// screen receives is already what it may show (app/core/teams.py): names only where allowed,
// an email only in a phone's own membership and its mutual contacts. User text through
// textContent only.
import { countryName, el, syncChildren } from "./items.js";
import { plural } from "./live.js";

// The teams a screen shows: in their order, those whose item this screen no longer has
// (hidden or withdrawn since) left out, as a fresh snapshot would.
export function shownTeams(state) {
  const teams = [...state.teams.values()].sort((a, b) => a.position - b.position || a.id - b.id);
  return state.items.size ? teams.filter((team) => state.items.has(team.item_id)) : teams;
}

export function teamTitle(team) {
  return team.country ? countryName(team.country) : team.label;
}

// "Cluster ICT 2 · Torino Wireless 1" (a cluster not given is counted as "other").
export function countsText(pairs, label) {
  return pairs.map(([value, n]) => `${label(value)} ${n}`).join(" · ");
}

function sectorName(t, sector) {
  return (t.sectors || {})[sector] || t.not_given;
}

function clusterName(t, cluster) {
  return cluster || t.not_given;
}

function inCount(team, t) {
  return team.count ? plural(t, "team_in_one", "team_in_many", team.count) : t.team_in_none;
}

function head(team, t) {
  const box = el("div", "item-head");
  box.append(el("span", "tag", team.kind === "market" ? t.market : t.idea));
  box.append(el("strong", "country", teamTitle(team)));
  return box;
}

// --- the phone -----------------------------------------------------------------------

const editing = { teamId: null, node: null };
const phoneCards = new Map(); // team id -> {sig, node}: a card is rebuilt only when it changed

export function renderPhoneTeams(list, live, t, { anonymous }) {
  const teams = shownTeams(live.state);
  if (editing.teamId !== null && !live.state.teams.has(editing.teamId)) editing.teamId = null;
  const card = (team) => {
    const sig = JSON.stringify([team, live.state.myTeams.get(team.id), anonymous]);
    const cached = phoneCards.get(team.id);
    if (cached?.sig === sig) return cached.node;
    const node = phoneCard(team, live, t, anonymous);
    phoneCards.set(team.id, { sig, node });
    return node;
  };
  const nodes = teams.map((team) => (editing.teamId === team.id ? editing.node : card(team)));
  syncChildren(list, nodes.length ? nodes : [el("li", "empty muted", t.teams_none)]);
}

function phoneCard(team, live, t, anonymous) {
  const mine = live.state.myTeams.get(team.id);
  const li = el("li", `item team-card${mine ? " is-mine" : ""}`);
  li.dataset.team = team.id;
  li.append(head(team, t));
  if (team.country) li.append(el("p", "item-text", team.label));
  li.append(el("p", "team-count", inCount(team, t)));
  if (team.count) li.append(el("p", "muted small", `${t.team_clusters}: ${countsText(team.clusters, (c) => clusterName(t, c))}`));
  const bar = el("div", "item-actions");
  const button = (label, cls, handler) => {
    const b = el("button", `button ${cls}`, label);
    b.type = "button";
    b.addEventListener("click", handler);
    bar.append(b);
  };
  const edit = () => {
    editing.teamId = team.id;
    editing.node = teamForm(team, mine, live, t, anonymous);
    live.onChange(live.state);
    editing.node.querySelector("textarea")?.focus();
  };
  if (mine) {
    const here = el("p");
    here.append(el("span", "tag mine", t.team_youre_in));
    li.append(here);
    button(t.team_change, "small", edit);
    button(t.team_leave, "small danger", () => live.send("leave_team", { team_id: team.id }));
    if (mine.contact_email) {
      button(t.team_withdraw_email, "small", () => live.send("withdraw_contact", { team_id: team.id }));
    }
  } else {
    button(t.team_count_me_in, "primary", edit);
  }
  li.append(bar);
  return li;
}

function tagChoice(name, tags, chosen, legend) {
  const box = el("fieldset", "team-tags");
  box.append(el("legend", "small", legend));
  for (const tag of tags) {
    const label = el("label", "team-tag");
    const input = el("input");
    input.type = "checkbox";
    input.name = name;
    input.value = tag;
    input.checked = chosen.includes(tag);
    label.append(input, el("span", null, tag));
    box.append(label);
  }
  return box;
}

function textField(id, label, value) {
  const box = el("div", "field");
  const lab = el("label", null, label);
  lab.htmlFor = id;
  const area = el("textarea");
  area.id = id;
  area.maxLength = 280;
  area.rows = 2;
  area.value = value || "";
  box.append(lab, area);
  return box;
}

function teamForm(team, mine, live, t, anonymous) {
  const li = el("li", "item team-card is-editing");
  li.dataset.team = team.id;
  li.append(head(team, t));
  const form = el("form", "team-form");
  form.noValidate = true;
  const id = `team-${team.id}`;
  const tags = live.state.teamTags;
  form.append(
    textField(`${id}-brings`, t.team_brings, mine?.brings),
    tagChoice("brings_tags", tags, mine?.brings_tags || [], t.team_brings_tags),
    textField(`${id}-looks`, t.team_looks_for, mine?.looks_for),
    tagChoice("looks_tags", tags, mine?.looks_tags || [], t.team_looks_tags),
  );
  if (!anonymous) {
    const label = el("label", "check");
    const box = el("input");
    box.type = "checkbox";
    box.name = "show_name";
    box.checked = Boolean(mine?.show_name);
    label.append(box, el("span", null, t.team_show_name));
    form.append(label);
  }
  const email = el("div", "field");
  const emailLabel = el("label", null, t.team_email);
  emailLabel.htmlFor = `${id}-email`;
  const input = el("input");
  Object.assign(input, { id: `${id}-email`, type: "email", name: "contact_email", autocomplete: "email", maxLength: 254 });
  input.value = mine?.contact_email || "";
  input.setAttribute("aria-describedby", `${id}-consent`);
  const consent = el("small", "help", t.team_consent);
  consent.id = `${id}-consent`;
  email.append(emailLabel, input, consent);
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const actions = el("div", "item-actions");
  const save = el("button", "button primary", mine ? t.save : t.team_count_me_in);
  save.type = "submit";
  const cancel = el("button", "button", t.cancel);
  cancel.type = "button";
  cancel.addEventListener("click", () => close(live));
  actions.append(save, cancel);
  form.append(email, error, actions);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((b) => b.value);
    const payload = {
      team_id: team.id,
      brings: form.querySelector(`#${id}-brings`).value.trim(),
      looks_for: form.querySelector(`#${id}-looks`).value.trim(),
      brings_tags: checked("brings_tags"),
      looks_tags: checked("looks_tags"),
      contact_email: input.value.trim() || null,
      show_name: Boolean(form.querySelector("input[name=show_name]")?.checked),
    };
    save.disabled = true;
    const ack = await live.send("join_team", payload);
    save.disabled = false;
    if (!ack.ok) {
      error.textContent = ack.error || t.error;
      error.hidden = false;
      return;
    }
    close(live);
  });
  li.append(form);
  return li;
}

function close(live) {
  editing.teamId = null;
  editing.node = null;
  live.onChange(live.state);
}

// The end: in each team where this person left an email, the others who left theirs too.
export function renderContacts(box, live, t) {
  const contacts = live.state.contacts || {};
  const ids = Object.keys(contacts);
  box.hidden = !ids.length;
  if (!ids.length) return box.replaceChildren();
  const nodes = [el("h2", "section-title", t.team_contacts_title), el("p", "muted small", t.team_contacts_hint)];
  for (const id of ids) {
    const team = live.state.teams.get(Number(id));
    const section = el("section", "card team-contacts");
    section.append(el("h3", null, team ? teamTitle(team) : t.team));
    const list = el("ul", "contacts");
    for (const c of contacts[id]) {
      const li = el("li");
      li.append(el("strong", null, c.name || t.not_given));
      if (c.organisation) li.append(el("span", "muted", ` · ${c.organisation}`));
      const mail = el("a", "contact-email", c.email);
      mail.href = `mailto:${encodeURIComponent(c.email).replace("%40", "@")}`;
      li.append(el("br"), mail);
      list.append(li);
    }
    if (!contacts[id].length) list.append(el("li", "muted", t.team_contacts_none));
    section.append(list);
    nodes.push(section);
  }
  box.replaceChildren(...nodes);
}

// --- the projector -------------------------------------------------------------------

export function projectorTeamCard(team, t) {
  const li = el("li", "proj-team");
  li.dataset.team = team.id;
  li.append(el("p", "proj-team-kind", team.kind === "market" ? t.market : t.idea));
  li.append(el("h2", "proj-team-title", teamTitle(team)));
  const count = el("p", "proj-team-count");
  if (team.count) count.append(el("strong", null, String(team.count)), el("span", null, ` ${plural(t, "team_in_one_short", "team_in_many_short", team.count)}`));
  else count.textContent = t.team_in_none;
  li.append(count);
  if (team.count) {
    li.append(el("p", "proj-team-line", `${t.team_clusters}: ${countsText(team.clusters, (c) => clusterName(t, c))}`));
    li.append(el("p", "proj-team-line", `${t.team_sectors}: ${countsText(team.sectors, (s) => sectorName(t, s))}`));
  }
  if (team.brings_tags.length) li.append(el("p", "proj-team-line", `${t.team_brings_short}: ${countsText(team.brings_tags, (x) => x)}`));
  if (team.looks_tags.length) li.append(el("p", "proj-team-line", `${t.team_looks_short}: ${countsText(team.looks_tags, (x) => x)}`));
  if (team.names.length) li.append(el("p", "proj-team-names", team.names.join(", ")));
  return li;
}

// --- the cockpit ---------------------------------------------------------------------

export function cockpitTeamCard(team, t) {
  const li = el("li", "item team-card");
  li.dataset.team = team.id;
  li.append(head(team, t));
  li.append(el("p", "team-count", inCount(team, t)));
  const list = el("ul", "team-members");
  for (const m of team.members || []) {
    const row = el("li");
    row.append(el("strong", null, m.name || t.not_named));
    const about = [m.organisation, m.cluster, m.sector && sectorName(t, m.sector)].filter(Boolean).join(" · ");
    if (about) row.append(el("span", "muted", ` · ${about}`));
    if (m.contactable) row.append(el("span", "tag", t.team_contactable));
    if (m.brings || m.brings_tags.length) row.append(el("p", "small", `${t.team_brings_short}: ${[...m.brings_tags, m.brings].filter(Boolean).join(" · ")}`));
    if (m.looks_for || m.looks_tags.length) row.append(el("p", "small", `${t.team_looks_short}: ${[...m.looks_tags, m.looks_for].filter(Boolean).join(" · ")}`));
    list.append(row);
  }
  li.append(list);
  return li;
}
