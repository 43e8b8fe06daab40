#!/usr/bin/env python3
"""Writes the Documents room's test corpus into Tests/DocumentsTests/Fixtures/.

Real files made by real writers: reportlab (PDF), python-docx (DOCX), python-pptx (PPTX) and Pillow (the raster
of the image-only PDF), from PyPI:

    python3 -m pip install reportlab python-docx python-pptx pillow
    python3 scripts/make_document_fixtures.py

The text is generated from a fixed seed, so the words (and the tests' expectations) are the same on every run;
the Office files carry creation dates, so their bytes are not. The tests read the committed files; run this only
to change the corpus, then update Tests/DocumentsTests to match.

Files:
- report.pdf: 10 pages, about 5,000 words; page n starts with the heading "Chapter n. <title>" (18 pt) and has a
  14 pt section heading, 10 pt paragraphs; page 3 holds a 4-column table, page 5 a bulleted list.
- encrypted.pdf: one page, opened only with the user password "secret".
- image-only.pdf: two pages that are pictures of text (no text layer), as a scanner makes them.
- handbook.docx: Title, Heading 1/2, paragraphs, a two-level bulleted list, a numbered list, a table with a header
  row, a page break before the appendix.
- slides.pptx: three slides: a title slide, a title with bullets on two levels, a title with a table and a text box.
- guide.html, notes.md, plain.txt: written out below.
"""
import io
import random
from pathlib import Path

from docx import Document
from docx.shared import Pt
from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.util import Inches
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas
from reportlab.platypus import (ListFlowable, ListItem, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

OUT = Path(__file__).resolve().parent.parent / "Tests" / "DocumentsTests" / "Fixtures"

CHAPTERS = [
    "Foundations of Distributed Systems", "Replication and Consistency", "Consensus Protocols",
    "Failure Detection", "Partitioning and Sharding", "Transactions Across Nodes", "Clocks and Ordering",
    "Storage Engines", "Stream Processing", "Operating Services in Production",
]

SUBJECTS = ["the coordinator", "each replica", "a client", "the leader", "every follower", "the scheduler",
            "a storage node", "the network", "the write-ahead log", "a quorum", "the operator", "the service"]
VERBS = ["forwards", "acknowledges", "records", "rejects", "retries", "observes", "persists", "orders",
         "replicates", "validates", "compacts", "batches"]
OBJECTS = ["the pending request", "a heartbeat message", "the latest snapshot", "every committed entry",
           "the membership change", "a stale read", "the election timeout", "an idempotent operation",
           "the partition map", "a checksum mismatch", "the lease renewal", "a backlog of writes"]
TAILS = ["before the deadline expires", "when the majority agrees", "after the log is flushed to disk",
         "unless a newer term is seen", "while the cluster is degraded", "so that clients never see a gap",
         "within a single round trip", "once the lock is released", "even under heavy load",
         "as described in the previous section"]

#: Sentences the tests look for, each placed at the start of one chapter's second paragraph (page = chapter).
MARKERS = {
    2: "The quorum intersection property guarantees that every read observes the latest write.",
    7: "Lamport clocks order events without any synchronised physical time.",
    10: "Runbooks turn a midnight incident into a checklist that anyone on call can follow.",
}


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."
    return text[0].upper() + text[1:]


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def make_report_pdf() -> None:
    rng = random.Random(14)
    styles = getSampleStyleSheet()
    h1, h2, body = styles["Heading1"], styles["Heading2"], styles["BodyText"]
    story = []
    for number, title in enumerate(CHAPTERS, start=1):
        story.append(Paragraph(f"Chapter {number}. {title}", h1))
        story.append(Paragraph(f"{number}.1 Overview", h2))
        story.append(Paragraph(paragraph(rng, 8), body))
        marker = MARKERS.get(number)
        second = paragraph(rng, 6)
        story.append(Paragraph(f"{marker} {second}" if marker else second, body))
        if number == 3:
            table = Table([
                ["Protocol", "Messages per write", "Fault tolerance", "Commit latency"],
                ["Two-phase commit", "4n", "none (blocking)", "2 round trips"],
                ["Multi-Paxos", "2n", "f of 2f+1", "1 round trip"],
                ["Raft", "2n", "f of 2f+1", "1 round trip"],
                ["Chain replication", "n", "f of f+1", "n hops"],
            ])
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ]))
            story.append(Spacer(1, 8))
            story.append(table)
            story.append(Spacer(1, 8))
        if number == 5:
            story.append(ListFlowable([
                ListItem(Paragraph("Hash partitioning spreads keys evenly across nodes.", body)),
                ListItem(Paragraph("Range partitioning keeps neighbouring keys together for scans.", body)),
                ListItem(Paragraph("Consistent hashing moves few keys when a node joins.", body)),
            ], bulletType="bullet"))
        story.append(Paragraph(f"{number}.2 Discussion", h2))
        for _ in range(4):
            story.append(Paragraph(paragraph(rng, 7), body))
        story.append(PageBreak())
    story.pop()  # no empty page at the end
    doc = SimpleDocTemplate(str(OUT / "report.pdf"), pagesize=A4, title="Distributed Systems Course Notes",
                            author="CampusSearch fixtures", pageCompression=1)
    doc.build(story)


def make_encrypted_pdf() -> None:
    c = canvas.Canvas(str(OUT / "encrypted.pdf"), pagesize=A4,
                      encrypt=StandardEncryption("secret", ownerPassword="owner", strength=128))
    c.drawString(72, 760, "This page is only readable with the password.")
    c.save()


def make_image_only_pdf() -> None:
    c = canvas.Canvas(str(OUT / "image-only.pdf"), pagesize=A4, pageCompression=1)
    for page in range(2):
        image = Image.new("L", (400, 200), 255)
        draw = ImageDraw.Draw(image)
        draw.text((20, 40), f"Scanned page {page + 1}", fill=0)
        draw.text((20, 80), "There is no text layer here.", fill=0)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        buffer.seek(0)
        c.drawImage(ImageReader(buffer), 72, 500, width=400, height=200)
        c.showPage()
    c.save()


def make_handbook_docx() -> None:
    doc = Document()
    doc.core_properties.title = "Course Handbook"
    doc.add_heading("Course Handbook", 0)
    doc.add_heading("1. Introduction", 1)
    doc.add_paragraph("This handbook explains how the course is organised and how your work is assessed.")
    doc.add_heading("1.1 Goals", 2)
    doc.add_paragraph("By the end of the course you will be able to:")
    doc.add_paragraph("Design a relational schema", style="List Bullet")
    doc.add_paragraph("Normalise tables to third normal form", style="List Bullet 2")
    doc.add_paragraph("Write correct SQL queries", style="List Bullet")
    doc.add_heading("2. Assessment", 1)
    doc.add_paragraph("Submit the assignments in this order:")
    doc.add_paragraph("Schema design", style="List Number")
    doc.add_paragraph("Query workbook", style="List Number")
    doc.add_paragraph("Final project", style="List Number")
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text, header[1].text, header[2].text = "Component", "Weight", "Due week"
    for row in [("Schema design", "20%", "4"), ("Query workbook", "30%", "8"), ("Final project", "50%", "12")]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    run = doc.add_paragraph().add_run("Late work loses 10% per day.")
    run.font.size = Pt(11)
    doc.add_page_break()
    doc.add_heading("Appendix", 1)
    doc.add_paragraph("Office hours are on Tuesdays from 14:00 to 16:00.")
    doc.save(str(OUT / "handbook.docx"))


def make_slides_pptx() -> None:
    prs = Presentation()
    prs.core_properties.title = "Introduction to Databases"
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = "Introduction to Databases"
    slide.placeholders[1].text = "Week 1 lecture"

    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "The relational model"
    frame = slide.placeholders[1].text_frame
    frame.text = "Data lives in relations"
    for text, level in [("A relation is a set of tuples", 1), ("Keys identify tuples", 1),
                        ("Queries are expressions over relations", 0)]:
        p = frame.add_paragraph()
        p.text, p.level = text, level

    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Join algorithms"
    rows = [["Algorithm", "Cost", "Needs index"], ["Nested loop", "O(n·m)", "no"], ["Hash join", "O(n+m)", "no"]]
    shape = slide.shapes.add_table(3, 3, Inches(0.5), Inches(1.5), Inches(9), Inches(1.5))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            shape.table.cell(r, c).text = value
    box = slide.shapes.add_textbox(Inches(0.5), Inches(3.5), Inches(9), Inches(1))
    box.text_frame.text = "Hash joins need memory for the smaller input."
    prs.save(str(OUT / "slides.pptx"))


GUIDE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Study Guide</title>
  <style>body { font-family: sans-serif; }</style>
  <script>console.log("not content");</script>
</head>
<body>
  <nav><a href="/">Home</a> | <a href="/courses">Courses</a></nav>
  <main>
    <h1>Study Guide</h1>
    <p>Read each chapter <em>before</em> the lecture &amp; take notes.</p>
    <h2>Weekly plan</h2>
    <ul>
      <li>Monday: reading
        <ul>
          <li>Chapter summaries</li>
        </ul>
      </li>
      <li>Wednesday: exercises</li>
    </ul>
    <ol>
      <li>Attempt every problem</li>
      <li>Compare with the solutions</li>
    </ol>
    <h2>Grading</h2>
    <table>
      <thead><tr><th>Part</th><th>Share</th></tr></thead>
      <tbody>
        <tr><td>Homework</td><td>40%</td></tr>
        <tr><td>Exam</td><td>60%</td></tr>
      </tbody>
    </table>
    <pre><code class="language-python">def mean(xs):
    return sum(xs) / len(xs)</code></pre>
    <blockquote><p>Practice beats cramming.</p></blockquote>
    <div>Questions go to the <a href="/forum">forum</a>.</div>
  </main>
  <script>track();</script>
</body>
</html>
"""

NOTES_MD = """# Lecture Notes

Databases store **structured** data and answer queries about it.

## Indexes

A B-tree index keeps keys sorted, so range scans are cheap.

| Index | Lookup | Range scan |
| --- | --- | --- |
| B-tree | O(log n) | yes |
| Hash | O(1) | no |

```sql
CREATE INDEX idx_name ON students (name);
```

### Trade-offs

- Faster reads
  - Especially for selective predicates
- Slower writes

1. Measure first
2. Then index

> Premature indexing is the root of some evil.

![Diagram of a B-tree](btree.png)
"""

PLAIN_TXT = """Course announcement

The first lecture starts on Monday at nine.
Bring a laptop with Python installed.

Office hours move to Thursday this week.



Questions? Write to the course forum.
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_report_pdf()
    make_encrypted_pdf()
    make_image_only_pdf()
    make_handbook_docx()
    make_slides_pptx()
    (OUT / "guide.html").write_text(GUIDE_HTML, encoding="utf-8")
    (OUT / "notes.md").write_text(NOTES_MD, encoding="utf-8")
    (OUT / "plain.txt").write_text(PLAIN_TXT, encoding="utf-8")
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
