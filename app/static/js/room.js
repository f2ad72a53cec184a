// The participant's phone: it follows the room's phase. Welcome in the lobby; propose, see
// the room's items live, edit or withdraw one's own; +1 and comment in discuss (and cluster);
// the themes in cluster; the open round's ballot in vote (ballot.js) and the revealed results
// (phone_results.js); thanks at the end. A countdown in the top bar; what it locks at zero is
// disabled with "Time is up". Above every stage, what the room refused for good ("Not sent",
// not_sent.js), so that no words typed are lost when the room moved on while the phone was away.
import { Live, bootData, keepDraft, plural } from "./live.js";
import { editInline, el, itemCard, renderList, shown } from "./items.js";
import { NotSent, renderNotSent } from "./not_sent.js";
import { mountCountdown, timeIsUp } from "./timer.js";
import { renderCluster, renderDiscuss, renderResults, renderVote } from "./room_stages.js";
import { ballotNotice } from "./ballot.js";
import { personHere, workOffline } from "./offline.js";
import { countryPicker } from "./country_picker.js";
import { renderContacts, renderPhoneTeams } from "./teams.js";

const boot = bootData();
const t = boot.t;
const countries = JSON.parse(document.getElementById("countries").textContent);

const stages = document.querySelector("[data-stages]");
const form = document.querySelector("[data-propose]");
const text = form.querySelector("[data-text]");
const textLabel = form.querySelector("[data-text-label]");
const countryField = form.querySelector("[data-country-field]");
const country = form.querySelector("[data-country]");
const picker = countryPicker(country, form.querySelector("[data-country-options]"), countries);
const counter = form.querySelector("[data-count]");
const errorBox = form.querySelector("[data-error]");
const submit = form.querySelector("[data-submit]");
const banner = document.querySelector("[data-banner]");
const roomError = document.querySelector("[data-room-error]");
const mineList = document.querySelector("[data-mine]");
const allList = document.querySelector("[data-items]");
const countAll = document.querySelector("[data-count-all]");
const notSentBox = document.querySelector("[data-not-sent]");
const editing = new Map(); // item id -> its card, left alone while the person edits

const draftKey = `bridge:draft:${boot.workshop}:${personHere(boot.workshop)}`; // this person's, as the queue
const clearText = keepDraft(text, `${draftKey}:text`);
const clearCountry = keepDraft(country, `${draftKey}:country`);
const kindKey = `${draftKey}:kind`;

// Which stage of the page shows each phase.
const STAGE = { lobby: "lobby", propose: "propose", discuss: "discuss", cluster: "cluster", vote: "vote", results: "results", teams: "teams", closed: "closed" };

let countdown = null; // mounted once the Live exists: it reads live.timeLeft()
const live = new Live(boot, render);
const notSent = new NotSent(live, `bridge:notsent:${boot.workshop}:${personHere(boot.workshop)}`, () => render(live.state));
live.notSent = notSent; // a ballot refused for good is kept there too (ballot.js)
// Refused after a reload, with no form waiting for the answer: kept as a card, else said.
live.keepRefused = (command, ack) => notSent.keep(command, ack);
// A choice taken out of a round gives this person's points back: their ballot says so.
// The server names what happened ("choice_removed"); the phone says it in its reader's language.
live.socket.on("ballot_changed", (ev) => ev.notice && ballotNotice(ev.round_id, choiceRemoved(ev.round_id)));
// An ack whose form is gone (sent before a reload) still says what went wrong.
live.showError = (message) => showIn(stageOf(live.state) === "propose" ? errorBox : roomError, message);
countdown = mountCountdown(document.querySelector("[data-countdown]"), live, t, {
  onState: () => render(live.state), // at zero a lock_at_zero countdown disables what it locks
});
render(live.state); // the room as last seen, and commands queued before a reload, at once, connected or not
// The join form's answer is this page (no redirect): a reload asks for the page again instead of
// sending the form a second time.
history.replaceState(history.state, "", location.href);
workOffline(boot.offline);

function choiceRemoved(roundId) {
  return live.state.rounds.get(roundId)?.method === "dots" ? t.choice_removed_dots : t.choice_removed;
}

function kind() {
  return form.querySelector("input[name=kind]:checked").value;
}

function syncKind() {
  localStorage.setItem(kindKey, kind());
  const market = kind() === "market";
  countryField.hidden = !market;
  textLabel.textContent = market ? textLabel.dataset.market : textLabel.dataset.idea;
}

function showIn(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

function showError(message) {
  showIn(errorBox, message);
}

form.querySelectorAll("input[name=kind]").forEach((radio) => {
  radio.checked = radio.value === (localStorage.getItem(kindKey) || "idea");
  radio.addEventListener("change", syncKind);
});
syncKind();
counter.textContent = text.value.length;
text.addEventListener("input", () => (counter.textContent = text.value.length));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const payload = { kind: kind(), text: text.value.trim() };
  if (payload.kind === "market") {
    payload.country = picker.code();
    if (!payload.country) {
      country.focus();
      return showError(t.choose_country);
    }
  }
  if (!payload.text) {
    showError(t.write_first);
    return text.focus();
  }
  // Queued at once (and kept across a reload), so the form is cleared now.
  const done = live.send("propose_item", payload);
  text.value = "";
  country.value = "";
  counter.textContent = "0";
  clearText();
  clearCountry();
  const ack = await done;
  // Refused (the room moved on, time is up...): a "Not sent" card of its own keeps the words and
  // the reason, wherever the room is now, and however many were refused.
  if (!ack.ok && notSent.keep({ event: "propose_item", payload }, ack)) render(live.state);
});

function mineActions(locked) {
  const open = live.state.workshop?.submissions_open && live.state.workshop?.status === "open";
  if (!open || locked) return [];
  return [
    [t.edit, (item, li) => {
      editing.set(item.id, li);
      editInline(li, item, t, async (value) => {
        const payload = { item_id: item.id, text: value.trim(), country: item.country };
        const ack = await live.send("edit_item", payload);
        // Refused: the editor stays, with the text; out of view (the room moved on), a card keeps it.
        if (!ack.ok && (shown(li) || !notSent.keep({ event: "edit_item", payload }, ack))) {
          return editError(li, ack.error || t.error);
        }
        editing.delete(item.id);
        render(live.state);
      });
    }],
    [t.withdraw, (item) => {
      if (confirm(t.confirm_withdraw)) live.send("withdraw_item", { item_id: item.id }).then((a) => a.ok || showError(a.error || t.error));
    }, "danger"],
  ];
}

function editError(li, message) {
  const editor = li.querySelector(".edit-inline");
  if (!editor) return showError(message);
  let box = editor.querySelector("[data-error]");
  if (!box) {
    box = el("p", "error");
    box.dataset.error = "";
    box.setAttribute("role", "alert");
    editor.prepend(box);
  }
  showIn(box, message);
}

function stageOf(state) {
  const ws = state.workshop;
  if (!ws) return STAGE[stages.dataset.phase] || "propose"; // as the page was served
  if (ws.status !== "open") return "closed";
  return STAGE[ws.phase] || "propose";
}

// Before the first snapshot (a page loaded while the server is unreachable) only the
// person's own queued items can be shown; they must not vanish from view meanwhile.
function render(state) {
  const ws = state.workshop;
  const stage = stageOf(state);
  showStage(stage, ws);
  const locked = ws ? timeIsUp(live) : true;
  renderNotSent(notSentBox, notSent, t, {
    propose: stage === "propose" && Boolean(ws?.submissions_open) && !locked,
    comment: (stage === "discuss" || stage === "cluster") && !locked,
    countryName: (code) => countries.find((c) => c.code === code)?.name || code,
  });
  if (stage === "propose") renderPropose(state);
  if (!ws) return;
  countdown?.update();
  const talking = stage === "discuss" || stage === "cluster";
  if (stage !== "propose") showBanner(talking && locked ? t.time_up_comment : talking && ws.private_ideation ? t.private : "");
  // "Comment on them" would contradict the banner once time is up.
  for (const hint of document.querySelectorAll("[data-hint]")) hint.hidden = talking && locked;
  if (stage === "lobby") {
    document.querySelector("[data-welcome]").textContent = state.me?.display_name ? t.welcome_name.replace("{name}", state.me.display_name) : t.welcome;
  }
  if (stage === "discuss") renderDiscuss(document.querySelector("[data-discuss-items]"), live, t, { locked });
  if (stage === "cluster") renderCluster(document.querySelector("section[data-stage=cluster]"), live, t, { locked });
  if (stage === "vote") renderVote(document.querySelector("section[data-stage=vote]"), live, t, { locked });
  if (stage === "results") renderResults(document.querySelector("section[data-stage=results]"), live, t);
  if (stage === "teams") renderPhoneTeams(document.querySelector("[data-team-list]"), live, t, { anonymous: ws.anonymous });
  if (stage === "closed") renderContacts(document.querySelector("[data-contacts]"), live, t);
}

function showStage(stage, ws) {
  for (const section of document.querySelectorAll("section[data-stage]")) section.hidden = section.dataset.stage !== stage;
  const phase = ws?.phase ?? stages.dataset.phase;
  stages.dataset.phase = phase;
  stages.dataset.current = stage;
  document.body.dataset.phase = phase;
  const name = document.querySelector("[data-phase-name]");
  name.textContent = boot.phases[phase] || "";
  const quiet = stage === "lobby" || stage === "closed";
  name.hidden = quiet;
  const question = document.querySelector("[data-question]");
  if (question) question.hidden = quiet;
  // An error belongs to the stage it was shown in.
  if (ws && roomError.dataset.shownIn !== stage) showIn(roomError, "");
  roomError.dataset.shownIn = stage;
}

function showBanner(message) {
  banner.hidden = !message;
  banner.textContent = message || "";
}

function renderPropose(state) {
  const ws = state.workshop;
  renderMine(state);
  if (!ws) return;
  const locked = timeIsUp(live);
  const ended = ws.status !== "open";
  const closed = ended || !ws.submissions_open || locked;
  showBanner(ended ? t.ended : locked ? t.time_up_propose : !ws.submissions_open ? t.closed : ws.private_ideation ? t.private : "");
  for (const node of form.elements) node.disabled = closed;
  submit.disabled = closed;

  // One's own items are listed once, under "Your items".
  const others = [...state.items.values()].filter((i) => !i.mine);
  countAll.textContent = others.length ? plural(t, "items_one", "items_many", others.length) : "";
  renderList(allList, others.reverse(), (item) => itemCard(item, t), ws.private_ideation ? t.private : t.none_others);
}

function renderMine(state) {
  const mine = [...state.items.values()].filter((i) => i.mine);
  const locked = state.workshop ? timeIsUp(live) : false;
  const pending = live.pending("propose_item").map((c) => ({ ...c.payload, id: c.payload.op_id, pending: true, mine: true, country_name: countries.find((x) => x.code === c.payload.country)?.name }));
  renderList(mineList, [...pending, ...mine.reverse()], (item) => {
    if (editing.has(item.id)) return editing.get(item.id);
    const card = itemCard(item, t, { actions: item.pending ? [] : mineActions(locked) });
    if (item.pending) {
      card.classList.add("is-pending");
      card.append(el("p", "pending", live.socket.connected ? t.sending : t.waiting));
    }
    return card;
  }, t.none_mine);
}
