// Styles that come from the data (a theme's colour, the length of a share bar), set through
// the CSSOM: the Content-Security-Policy blocks style="..." attributes, not `el.style`.
for (const el of document.querySelectorAll("[data-border-color]")) {
  el.style.borderTopColor = el.dataset.borderColor;
}
for (const el of document.querySelectorAll("[data-width]")) {
  el.style.width = `${Number(el.dataset.width)}%`;
}
