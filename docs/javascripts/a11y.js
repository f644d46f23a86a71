/* Scroll containers a keyboard can reach (WCAG 2.1.1; axe's scrollable-region-focusable).
 *
 * Wide tables (Material wraps them in .md-typeset__scrollwrap at run time), display
 * equations, the notebook's code and output, and the explorer's snippet scroll sideways
 * on a narrow screen. Whichever of them does scroll gets tabindex="0", role="region" and
 * a name, so a keyboard can focus it and scroll it with the arrow keys; one that fits
 * gets none, so the tab order holds only what needs it. A ResizeObserver re-checks each
 * when its width changes (a turned phone, a resized window).
 */
(function () {
  "use strict";

  const SCROLLERS = [
    [".md-typeset__scrollwrap", "Table, scrolls sideways"],
    ['article math[display="block"]', "Equation, scrolls sideways"],
    ["article .jp-OutputArea-output pre", "Notebook output, scrolls sideways"],
    ["article .highlight-ipynb", "Notebook code, scrolls sideways"],
    ["article .rr-snippet, article .rr-snippet > code", "Code, scrolls sideways"],
  ];

  function mark(el, name) {
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute("data-rr-scroll")) {
      el.setAttribute("data-rr-scroll", "");
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", name);
    } else if (!scrolls && el.hasAttribute("data-rr-scroll")) {
      for (const a of ["data-rr-scroll", "tabindex", "role", "aria-label"]) el.removeAttribute(a);
    }
  }

  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) mark(entry.target, entry.target.rrScrollName);
  });

  function watch() {
    for (const [selector, name] of SCROLLERS) {
      for (const el of document.querySelectorAll(selector)) {
        if (el.rrScrollName) continue;
        el.rrScrollName = name;
        observer.observe(el);
        mark(el, name);
      }
    }
  }

  // Material wraps the tables from its own bundle, after this file has run: look again
  // once the page has loaded, and whenever the article changes (the explorer's snippet).
  window.addEventListener("load", watch);
  document.addEventListener("DOMContentLoaded", () => {
    watch();
    const article = document.querySelector("article");
    if (article) new MutationObserver(watch).observe(article, { childList: true, subtree: true });
  });
})();
