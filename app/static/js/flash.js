// Messages after a form ("Workshop created…"): each can be dismissed, and a confirmation goes by
// itself after a while, so it does not stay on a cockpit that is never reloaded. It waits while
// the pointer or the keyboard is on it (someone is reading it); an error stays until dismissed.
const LINGER_MS = 12_000;

for (const flash of document.querySelectorAll("[data-flash]")) {
  flash.querySelector("[data-flash-close]")?.addEventListener("click", () => flash.remove());
  if (flash.dataset.flash !== "ok") continue;
  let timer = null;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => flash.remove(), LINGER_MS);
  };
  const hold = () => clearTimeout(timer);
  flash.addEventListener("pointerenter", hold);
  flash.addEventListener("pointerleave", arm);
  flash.addEventListener("focusin", hold);
  flash.addEventListener("focusout", arm);
  arm();
}
