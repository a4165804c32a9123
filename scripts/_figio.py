"""Writing a figure's data and drawings: CSV of the plotted series, plotly HTML, PNG when possible.

PNG needs the optional ``kaleido`` package (``pip install kaleido``; not in
requirements.txt) and a Chromium; Debian's ``chromium`` works (BROWSER_PATH is
pointed at it when found).  Without them the PNG is skipped with a note.
"""
from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:            # run as `python scripts/figN.py` from anywhere
    sys.path.insert(0, str(ROOT))


def write_csv(path: Path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([f"{v:.12g}" if isinstance(v, float) else v for v in r])
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def write_figure(fig, stem: Path, *, width=1200, height=450, png=True):
    stem.parent.mkdir(parents=True, exist_ok=True)
    html = stem.parent / (stem.name + ".html")       # not with_suffix: names may contain dots
    fig.write_html(html, include_plotlyjs="cdn")
    print(f"wrote {html.relative_to(ROOT) if html.is_relative_to(ROOT) else html}")
    if not png:
        return
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        os.environ.setdefault("BROWSER_PATH", chromium)
    try:
        fig.write_image(stem.parent / (stem.name + ".png"), width=width, height=height, scale=1)
        print(f"wrote {stem.name}.png")
    except Exception as exc:       # kaleido missing or no browser: the HTML and CSV are the record
        print(f"PNG skipped ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})")
