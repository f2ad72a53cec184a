// The cockpit's Teams view: the facilitator chooses which markets and ideas make teams (those
// the results put on top are marked), in the order ticked, and the tags members pick from; then
// reads each team with every member (names as the cockpit may see them, never an email).
import { fill } from "./ballot.js";
import { countryName, el, syncChildren } from "./items.js";
import { cockpitTeamCard, shownTeams, teamTitle } from "./teams.js";

export function mountTeams(box, live, t, send) {
  const form = box.querySelector("[data-teams-form]");
  const choices = box.querySelector("[data-team-choices]");
  const tags = box.querySelector("[data-team-tags]");
  const error = box.querySelector("[data-teams-error]");
  const list = box.querySelector("[data-team-cards]");
  let order = null; // item ids ticked, in the order ticked; null until the facilitator changes it
  let tagsTouched = false;
  tags.addEventListener("input", () => (tagsTouched = true));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = {
      item_ids: order ?? chosenNow(live.state),
      tags: tags.value.split("\n").map((tag) => tag.trim()).filter(Boolean),
    };
    const leaving = shownTeams(live.state).filter((team) => team.count && !payload.item_ids.includes(team.item_id));
    if (leaving.length && !confirm(fill(t.confirm_remove_teams, { teams: leaving.map(teamTitle).join(", ") }))) return;
    const ack = await send("choose_teams", payload);
    error.textContent = ack.ok ? "" : ack.error || t.error;
    error.hidden = ack.ok;
    if (ack.ok) {
      order = null;
      tagsTouched = false;
    }
  });

  function chosenNow(state) {
    return shownTeams(state).map((team) => team.item_id);
  }

  function render(state) {
    const picked = order ?? chosenNow(state);
    const top = new Set(state.teamTop || []);
    const items = [...state.items.values()].filter((i) => i.state === "live");
    const rank = (i) => (i.kind === "market" ? 0 : 2) - (top.has(i.id) ? 1 : 0);
    items.sort((a, b) => rank(a) - rank(b) || a.id - b.id);
    syncChildren(choices, items.map((item) => choice(item, picked.includes(item.id), top.has(item.id))));
    if (!tagsTouched && document.activeElement !== tags) tags.value = (state.teamTags.length ? state.teamTags : JSON.parse(tags.dataset.defaultTags)).join("\n");
    const teams = shownTeams(state);
    syncChildren(list, teams.length ? teams.map((team) => cockpitTeamCard(team, t)) : [el("li", "empty muted", t.teams_none_staff)]);
  }

  function choice(item, checked, top) {
    const label = el("label", "check team-choice");
    const box = el("input");
    box.type = "checkbox";
    box.checked = checked;
    box.addEventListener("change", () => {
      const now = order ?? chosenNow(live.state);
      order = box.checked ? [...now.filter((id) => id !== item.id), item.id] : now.filter((id) => id !== item.id);
    });
    const title = item.country ? `${countryName(item.country)} — ${item.text}` : item.text;
    label.append(box, el("span", "tag", item.kind === "market" ? t.market : t.idea), el("span", null, ` ${title}`));
    if (top) label.append(el("span", "tag mine", t.team_top));
    return label;
  }

  return { render };
}
