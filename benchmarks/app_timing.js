// Timing marks for benchmarks/bench_app_browser.py, installed in each page before the page's own scripts.
//
// A view counts as shown at the first animation frame in which it is in the
// DOM: frames run just before the browser paints, so the mark is within one
// frame (about 16 ms) of what a person sees. The player lives in a shadow
// root (a Custom Components v2 element), which querySelector and
// MutationObserver do not enter, hence the walk through open shadow roots.
(() => {
  const deepAll = (selector, root = document, found = []) => {
    found.push(...root.querySelectorAll(selector));
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) deepAll(selector, el.shadowRoot, found);
    return found;
  };

  // Shown: the results table names every label in `want` and none in `avoid`; with `player`, so does the legend of
  // one player, drawn, that was not there before `arm` (a rerun keeps the old player until it ends). Without,
  // the page is Streamlit alone (benchmarks/floor_app.py). The table is read first: it is one query, where
  // finding the players walks every node of the page, and this runs on every frame.
  const shown = ({ want, avoid, old, player }) => {
    const names = (text) => text !== "" && want.every((w) => text.includes(w)) && !avoid.some((a) => text.includes(a));
    if (!names(document.querySelector('[data-testid="stTable"]')?.textContent || "")) return false;
    if (!player) return true;
    const players = deepAll(".tp-player");
    return players.length === 1 && !old.has(players[0]) && names(players[0].querySelector(".tp-legend")?.textContent || "");
  };

  // Resolves with performance.now() at the first frame in which `shown(goal)` holds.
  const whenShown = (goal) => new Promise((resolve) => {
    const frame = () => (shown(goal) ? resolve(performance.now()) : requestAnimationFrame(frame));
    requestAnimationFrame(frame);
  });

  window.__bench = {
    // The first view: the page's first table (and player), from this page's navigation start.
    firstView: (want, player = true) => whenShown({ want, avoid: [], old: new Set(), player }).then(
      (shownAt) => ({ shownAt, timeOrigin: performance.timeOrigin })),
    // After `arm`, the next pointerdown is the input; `done` resolves with {inputAt, shownAt} once the view
    // with `want` and without `avoid` is shown in place of the players there now.
    arm(want, avoid, player = true) {
      const goal = { want, avoid, old: new Set(deepAll(".tp-player")), player };
      this.done = new Promise((resolve) => {
        document.addEventListener("pointerdown", () => {
          const inputAt = performance.now();
          whenShown(goal).then((shownAt) => resolve({ inputAt, shownAt }));
        }, { capture: true, once: true });
      });
    },
  };
})();
