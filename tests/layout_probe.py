"""What the layout test measures in the page (JavaScript run by Playwright), shared with scripts.

:data:`MEASURE_JS` returns, for the page as it is on screen:

* ``figure``: the first plotly chart of the main area (its bounding box, page coordinates);
* ``cut``: every visible button (or element with role button/tab/option) whose text is wider than its box;
* ``overlaps``: pairs among (legend, slider, chart title, axis title, annotation, menu) of one plotly
  chart whose boxes intersect by more than 2 px each way;
* ``outside``: any of these that leaves its chart's box (e.g. a legend pushed off the figure).
"""
MEASURE_JS = r"""
() => {
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  const charts = Array.from(main.querySelectorAll("[data-testid='stPlotlyChart']"));
  const vis = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
                        return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x: r.left, y: r.top, w: r.width, h: r.height, bottom: r.bottom, right: r.right}; };
  const firstFig = charts.find(vis);
  const cut = [];
  const buttons = document.querySelectorAll("button, [role='button'], [role='tab'], [data-baseweb='select'] > div");
  for (const b of buttons) {
    if (!vis(b) || b.closest(".modebar") || b.closest("[data-testid='stPlotlyChart']")) continue;
    const text = (b.innerText || "").trim();
    if (!text) continue;
    for (const el of [b, ...b.querySelectorAll("*")]) {
      if (!vis(el)) continue;
      const s = getComputedStyle(el);
      const clips = el === b || s.overflowX !== "visible" || s.textOverflow === "ellipsis";
      if (clips && el.scrollWidth > el.clientWidth + 1) {
        cut.push({text: text.slice(0, 80), box: box(b), sw: el.scrollWidth, cw: el.clientWidth});
        break;
      }
    }
  }
  const kinds = {legend: "g.legend", slider: "g.slider-container", title: "g.g-gtitle text",
                 axistitle: "text[class^='x'][class$='title'], text[class^='y'][class$='title']",
                 annotation: "g.annotation", menu: "g.updatemenu-container"};
  const overlaps = [], outside = [];
  charts.forEach((c, ci) => {
    if (!vis(c)) return;
    const items = [];
    for (const [k, sel] of Object.entries(kinds)) {
      for (const el of c.querySelectorAll(sel)) {
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) continue;
        if (k === "axistitle" && !(el.textContent || "").trim()) continue;
        items.push({k, t: (el.textContent || "").trim().slice(0, 40), r});
      }
    }
    const cr = c.getBoundingClientRect();
    for (const it of items) {
      const r = it.r;
      if (r.left < cr.left - 2 || r.right > cr.right + 2 || r.top < cr.top - 2 || r.bottom > cr.bottom + 2)
        outside.push({chart: ci, item: it.k + ": " + it.t});
    }
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
      const a = items[i].r, b = items[j].r;
      const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ox > 2 && oy > 2)
        overlaps.push({chart: ci, a: items[i].k + ": " + items[i].t, b: items[j].k + ": " + items[j].t});
    }
  });
  return {figure: firstFig ? box(firstFig) : null, cut, overlaps, outside,
          scrollY: (document.querySelector("[data-testid='stMain']") || {}).scrollTop || 0};
}
"""
