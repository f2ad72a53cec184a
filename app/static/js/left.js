// A phone that has left a workshop (its participant's contributions were removed) forgets what
// it kept of it: commands still waiting to be sent, what the server refused (Not sent), the
// room's last snapshot and text typed but not sent.
const host = document.querySelector("[data-left]");
if (host) {
  const workshop = host.dataset.left;
  const mine = (key) =>
    key.startsWith(`bridge:queue:${workshop}:participant`) ||
    key.startsWith(`bridge:notsent:${workshop}:`) ||
    key.startsWith(`bridge:snapshot:${workshop}:participant:`) ||
    (key.startsWith(`bridge:draft:${workshop}:`) && !key.startsWith(`bridge:draft:${workshop}:staff:`));
  for (const key of Object.keys(localStorage).filter(mine)) localStorage.removeItem(key);
}
