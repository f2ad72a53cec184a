// The projector: the join code and the live board, in large type.
import { Live, bootData, plural } from "./live.js";
import { itemCard, renderList } from "./items.js";

const boot = bootData();
const t = boot.t;
const list = document.querySelector("[data-items]");
const banner = document.querySelector("[data-banner]");
const connected = document.querySelector("[data-connected]");

new Live(boot, (state) => {
  const ws = state.workshop;
  if (!ws) return;
  connected.textContent = plural(t, "connected_one", "connected_many", state.connected);
  banner.hidden = !(ws.private_ideation || ws.status !== "open");
  banner.textContent = ws.status !== "open" ? t.ended : ws.private_ideation ? t.private_screen : "";
  renderList(list, [...state.items.values()].reverse(), (item) => itemCard(item, t));
});
