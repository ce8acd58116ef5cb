#!/usr/bin/python3
"""Peer for bench_pdf_render: the same plan (JSON from the benchmark) with reportlab + DejaVu TTF.

Usage: reportlab_render.py PLAN.json ITERATIONS OUT.pdf
Prints one JSON line: median_ms, p99_ms, docs_per_s_2_workers, peak_rss_kb, bytes.
"""
import json, resource, sys, time
from multiprocessing import Pool

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from xml.sax.saxutils import escape

DIR = "/usr/share/fonts/truetype/dejavu/"
pdfmetrics.registerFont(TTFont("DejaVu", DIR + "DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", DIR + "DejaVuSans-Bold.ttf"))
BODY = ParagraphStyle("body", fontName="DejaVu", fontSize=10, leading=14)
LABEL = ParagraphStyle("label", fontName="DejaVu", fontSize=9.5, leading=13, textColor=colors.grey)
BOLD = ParagraphStyle("bold", fontName="DejaVu-Bold", fontSize=10, leading=14)
H1 = ParagraphStyle("h1", fontName="DejaVu-Bold", fontSize=19, leading=24)
H2 = ParagraphStyle("h2", fontName="DejaVu-Bold", fontSize=13, leading=17,
                    textColor=colors.HexColor("#14406f"), spaceBefore=12, spaceAfter=6)
CELL = ParagraphStyle("cell", fontName="DejaVu", fontSize=9, leading=11.5)
HELP = ParagraphStyle("help", fontName="DejaVu", fontSize=8.5, leading=11, textColor=colors.grey)
DASH = "—"


def p(text, style=BODY):
    return Paragraph(escape(text or DASH).replace("\n", "<br/>"), style)


class NumberedCanvas(rl_canvas.Canvas):
    """Defers page furniture until the page count is known ("Page X of Y")."""

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = []
        self._plan = plan

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            h = self._plan["header"]
            self.setFont("DejaVu", 7.5)
            self.setFillColor(colors.grey)
            self.drawString(50, A4[1] - 30, h["pupil"] + " — " + h["title"])
            self.drawRightString(A4[0] - 50, A4[1] - 30, h["academy"])
            self.setFont("DejaVu-Bold", 7.5)
            self.setFillColor(colors.darkred)
            self.drawString(50, 37, h["confidentiality"])
            self.setFillColor(colors.black)
            self.setFont("DejaVu-Bold", 8.5)
            self.drawRightString(A4[0] - 50, 37, "Page %d of %d" % (self._pageNumber, total))
            self.setFont("DejaVu", 7)
            self.drawString(50, 26, h["footer"])
            super().showPage()
        super().save()


def item_flowables(it):
    kind = it["kind"]
    if kind == "long":
        return [p(it["label"], BOLD), p(it.get("value")), Spacer(1, 4)]
    if kind == "table":
        cols = it["columns"]
        data = [[p(c, ParagraphStyle("th", parent=CELL, fontName="DejaVu-Bold")) for c in cols]]
        data += [[p(c, CELL) for c in row] for row in it["rows"]]
        t = Table(data, repeatRows=1, colWidths=[495 * w / sum(it["weights"]) for w in it["weights"]])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.lightgrey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dee8f5")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        out = [p(it["label"], BOLD)] if it["label"] else []
        return out + [t, Spacer(1, 6)]
    if kind == "choice":
        value = [("☑ " if o in it["chosen"] else "☐ ") + o for o in it["options"]] or it["chosen"]
        value = "\n".join(value)
    elif kind == "rating":
        value = "■ " + it["value"]
    else:
        value = it.get("value")
    row = Table([[p(it["label"], LABEL), p(value)]], colWidths=[170, 325])
    row.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.lightgrey),
                             ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [row]


def render(plan):
    import io
    buf = io.BytesIO()
    h = plan["header"]
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=50, rightMargin=50, topMargin=58,
                            bottomMargin=64, title=h["title"] + " — " + h["pupil"],
                            author=h["academy"], subject=h["title"], invariant=1)
    story = [p(h["academy"], ParagraphStyle("a", parent=BOLD, textColor=colors.HexColor("#14406f"))),
             p(h["title"], H1)]
    cards = Table([[p("Pupil", HELP), p("Date of birth", HELP)], [p(h["pupil"], BOLD), p(h["dob"], BOLD)],
                   [p("Year group", HELP), p("Plan status", HELP)], [p(h["year"], BOLD), p(h["state"], BOLD)],
                   [p("Version", HELP), p("Next review date", HELP)], [p(h["version"], BOLD), p(h["review"], BOLD)]],
                  colWidths=[247, 248])
    cards.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eff2f7"))]))
    story.append(cards)
    for s in plan["sections"]:
        first = item_flowables(s["items"][0]) if s["items"] else []
        story.append(KeepTogether([p(s["title"], H2)] + first[:2]))
        story += first[2:]
        for it in s["items"][1:]:
            story += item_flowables(it)
    story.append(p("Signatures", H2))
    for sig in plan["signatures"]:
        story.append(KeepTogether([p(sig["role"], BOLD), p("Name: " + (sig.get("name") or "______________")),
                                   p("Date: " + (sig.get("date") or "______________")),
                                   p("Signature: ______________________"), Spacer(1, 8)]))
    doc.build(story, canvasmaker=lambda *a, **k: NumberedCanvas(*a, plan=plan, **k))
    return buf.getvalue()


def worker(args):
    plan, n = args
    for _ in range(n):
        render(plan)
    return n


def main():
    plan = json.load(open(sys.argv[1], encoding="utf-8"))
    n = int(sys.argv[2])
    out = render(plan)
    open(sys.argv[3], "wb").write(out)
    for _ in range(3):
        render(plan)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        render(plan)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    with Pool(2) as pool:
        t = time.perf_counter()
        done = sum(pool.map(worker, [(plan, n // 2), (plan, n - n // 2)]))
        elapsed = time.perf_counter() - t
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"median_ms": times[len(times) // 2],
                      "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
                      "docs_per_s_2_workers": done / elapsed, "peak_rss_kb": peak,
                      "bytes": len(out)}))


if __name__ == "__main__":
    main()
