# nianbao's OCR helper (run by crates/extract/src/ocr.rs as `python -c`): reads a scanned PDF
# (its pages rendered with poppler's pdftoppm) or a page image, and prints one JSON object per
# line: {"page": N, "width": W, "height": H} for each page, then its text boxes
# {"page": N, "x": .., "y": .., "w": .., "h": .., "text": "..", "conf": 0..1}.
#
# Engines:
#   rapidocr   PP-OCRv4 detection + recognition (ONNX models shipped inside the PyPI wheel
#              rapidocr-onnxruntime; nothing is downloaded at run time), on one thread.
#   tesseract  the tesseract command (Debian tesseract-ocr + tesseract-ocr-chi-sim), words
#              from its TSV output; kept for the comparison in BENCHMARKS.md.
#
# usage: python -c SCRIPT ENGINE DPI PDFTOPPM FILE     (one document)
#        python -c SCRIPT --serve ENGINE DPI PDFTOPPM  (a worker: one file path per line on
#        stdin; each answered with its lines and then {"done": true}, or {"done": true,
#        "error": "..."} when that document failed; the engine is loaded once and kept)
import json
import os
import subprocess
import sys
import tempfile


def pages_of(path, dpi, pdftoppm, tmp):
    with open(path, "rb") as f:
        head = f.read(5)
    if head.startswith(b"%PDF"):
        subprocess.run(
            [pdftoppm, "-r", str(dpi), "-gray", "-png", path, os.path.join(tmp, "p")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        names = sorted(
            (n for n in os.listdir(tmp) if n.startswith("p") and n.endswith(".png")),
            key=lambda n: int(n[2:-4]),
        )
        return [os.path.join(tmp, n) for n in names]
    return [path]


def size_of(image):
    from PIL import Image

    with Image.open(image) as im:
        return im.size


_ENGINE = []


def joined(text):
    """A number the recogniser spaced around its decimal point or after its minus sign
    (`334. 3`, `- 4`) written whole; any other text (a page number `- 3 -`) as it is."""
    import re

    text = re.sub(r"(?<=\d)\s*\.\s*(?=\d)", ".", text)
    # a lone negative number only: `- 3 -` is a page number and stays as it is
    return re.sub(r"^([-\uff0d\u2212])\s+(?=[\d.,]+$)", r"\1", text)


def numeric(text):
    """The text of a number without spaces (`334. 3` is 334.3), or None for other text."""
    t = "".join(text.split())
    if t and all(c.isdigit() or c in ".,-" for c in t) and any(c.isdigit() for c in t):
        return t
    return None


ROUND = ("O", "o", "\u3007", "\uff2f", "\u3002", "\u00b0")


def zero_if_round(text):
    """A lone round glyph (`O`, `〇`, `。`) where a number is expected is the recogniser's
    reading of a 0 (a small picture's zeros read as the full stop `。`); other text as it is."""
    return "0" if text.strip() in ROUND else text


DIGITS = "0123456789"


def digits_rec(engine, crops, marks=None):
    """Recognises crops known to hold a number with the recogniser's output restricted to
    digits (and, for crop i, the marks `marks[i]`: the `.` or `-` its first reading has): at
    each step the probabilities of those classes and CTC's blank are renormalised among
    themselves before the best is taken. A small 0 whose probability the recogniser shares
    with the full stop 。, the letter O or the ideograph 〇 is then a 0 with the confidence it
    has among digits; a glyph that could be 0 or 8 stays unsure. Falls back to the plain
    recogniser when its internals are not the expected ones (another rapidocr)."""
    import numpy as np

    rec = engine.text_rec
    try:
        chars = rec.postprocess_op.character
        _, img_h, img_w = rec.rec_image_shape[:3]
    except (AttributeError, TypeError, ValueError):
        return engine.text_rec(crops)[0]
    marks = marks or [""] * len(crops)
    out = []
    for crop, mark in zip(crops, marks):
        allowed = DIGITS + mark
        keep = np.array([i for i, c in enumerate(chars) if i == 0 or c in allowed])
        h, w = crop.shape[:2]
        ratio = max(img_w / img_h, w / max(h, 1))
        norm = rec.resize_norm_img(crop, ratio)[np.newaxis, :].astype(np.float32)
        preds = rec.session(norm)[0][0]
        sub = preds[:, keep]
        sub = sub / np.maximum(sub.sum(axis=1, keepdims=True), 1e-12)
        idx = sub.argmax(axis=1)
        prob = sub.max(axis=1)
        text, conf = [], []
        for t, (k, p) in enumerate(zip(idx, prob)):
            if k == 0 or (t > 0 and idx[t - 1] == k):
                continue
            text.append(chars[keep[k]])
            conf.append(float(p))
        out.append(("".join(text), sum(conf) / len(conf) if conf else 0.0))
    return out


def verify(engine, image, boxes):
    """Reads every number again, alone, from its own crop with a margin: the recogniser can
    read a number with full confidence and wrongly (98 as 86 in a whole page; 882.61 as
    88.61 in one crop and right in a slightly larger one). A number stands only when the two
    readings agree (with the higher of their confidences; the second reading is of digits
    only, `digits_rec`, and a 0 read again as a round glyph, `O` or `。`, agrees); when they
    differ it gets confidence 0: not trusted unless an identity of the table confirms it.
    Never a vote: two readings of the same pixels can be wrong alike, so a disagreement is
    never settled by a third."""
    import numpy as np
    from PIL import Image

    todo = [i for i, b in enumerate(boxes) if numeric(b[1]) is not None]
    if not todo:
        return boxes
    grey = Image.fromarray(image)
    crops = []
    for i in todo:
        xs = [p[0] for p in boxes[i][0]]
        ys = [p[1] for p in boxes[i][0]]
        pad = max(2, int((max(ys) - min(ys)) * 0.2))
        c = grey.crop(
            (
                max(0, int(min(xs)) - pad),
                max(0, int(min(ys)) - pad),
                min(grey.width, int(max(xs)) + pad),
                min(grey.height, int(max(ys)) + pad),
            )
        )
        crops.append(np.array(c.convert("RGB")))
    # (the second reading knows it is a number: its digits, and its `.` or `-` if it has one)
    marks = ["".join(sorted(set(c for c in boxes[i][1] if c in ".-"))) for i in todo]
    again = digits_rec(engine, crops, marks)
    out = list(boxes)
    for i, (text2, score2) in zip(todo, again):
        box, text, score = boxes[i]
        if numeric(zero_if_round(text2)) == numeric(text):
            out[i] = (box, text, max(float(score), float(score2)))
        else:
            out[i] = (box, text, 0.0)
    return out


def rect(box):
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return min(xs), min(ys), max(xs), max(ys)


def fill_gaps(engine, image, boxes):
    """Looks again where a table's number is missing: the detector can pass over a lone digit
    (a 3 between two columns of numbers). A column is the span of numbers at the same place
    in two rows or more; a row of three numbers or more with nothing in a column inside the
    span (or, for a table of a single row, a gap of 2-4 times its regular spacing, a step
    beyond either end of it, or a label of the header just above it with no number under it)
    has that cell cropped, enlarged and read again. What is found there is added as a box of
    its own (and verified like every number); an empty cell stays empty."""
    import numpy as np
    from PIL import Image

    nums = [rect(b[0]) for b in boxes if numeric(b[1]) is not None]
    if len(nums) < 3:
        return boxes
    heights = sorted(r[3] - r[1] for r in nums)
    h = heights[len(heights) // 2]
    # rows: numbers whose vertical centres are within half a line
    rows = []
    for r in sorted(nums, key=lambda r: (r[1] + r[3]) / 2):
        c = (r[1] + r[3]) / 2
        if rows and abs(c - rows[-1]["c"]) < 0.5 * h:
            rows[-1]["boxes"].append(r)
        else:
            rows.append({"c": c, "boxes": [r]})
    # columns: left edges within 0.8 line height
    cols = []
    for r in sorted(nums, key=lambda r: r[0]):
        if cols and r[0] - cols[-1]["x0"] < 0.8 * h:
            col = cols[-1]
            col["x1"] = max(col["x1"], r[2])
            col["n"] += 1
        else:
            cols.append({"x0": r[0], "x1": r[2], "n": 1, "left": r[0]})
    gaps = []
    labels = [rect(b[0]) for b in boxes if numeric(b[1]) is None and b[1].strip()]
    full = [row for row in rows if len(row["boxes"]) >= 3]
    if not full:
        return boxes
    # the span of the table's numbers: a row's first or last number can be the one missed
    lo = min(r[0] for row in full for r in row["boxes"])
    hi = max(r[2] for row in full for r in row["boxes"])
    for row in full:
        bs = sorted(row["boxes"], key=lambda r: r[0])
        y0 = min(r[1] for r in bs)
        y1 = max(r[3] for r in bs)
        for col in cols:
            if col["n"] < 2 or col["x0"] < lo or col["x1"] > hi:
                continue
            if any(r[0] < col["x1"] and r[2] > col["x0"] for r in bs):
                continue
            gaps.append((col["x0"], y0, col["x1"], y1))
        # a single row: a gap of two to four times its regular spacing
        steps = [b[0] - a[0] for a, b in zip(bs, bs[1:])]
        if len(steps) >= 4:
            med = sorted(steps)[len(steps) // 2]
            regular = sum(1 for s in steps if abs(s - med) < 0.15 * med)
            if med > h and regular >= 0.6 * len(steps):
                for a, b in zip(bs, bs[1:]):
                    k = round((b[0] - a[0]) / med)
                    if 2 <= k <= 4 and abs(b[0] - a[0] - k * med) < 0.3 * med:
                        for j in range(1, k):
                            x = a[0] + j * med
                            gaps.append((x, y0, x + min(med * 0.8, a[2] - a[0] + h), y1))
                # a table of one row (part 四): a number missed at either end of it
                if len(full) == 1:
                    width = min(med * 0.8, max(r[2] - r[0] for r in bs) + h)
                    for x in (bs[0][0] - med, bs[-1][0] + med):
                        if x > 0 and x + width < image.shape[1]:
                            gaps.append((x, y0, x + width, y1))
        # a table of one row (part 四's fifteen numbers): its columns are the labels of the
        # header just above it (结果维持, 总计 …); a label over no number is a cell to look at
        if len(full) == 1:
            for lx0, ly0, lx1, ly1 in labels:
                if not (0 <= y0 - ly1 < 6 * h and lx1 - lx0 < 6 * h):
                    continue
                if any(r[0] < lx1 and r[2] > lx0 for r in bs):
                    continue
                gaps.append((lx0, y0, lx1, y1))
    if not gaps:
        return boxes
    out = list(boxes)
    grey = Image.fromarray(image)
    for x0, y0, x1, y1 in gaps:
        pad = 0.3 * h
        left, top = max(0, int(x0 - pad)), max(0, int(y0 - pad))
        c = grey.crop((left, top, min(grey.width, int(x1 + pad)), min(grey.height, int(y1 + pad))))
        c = c.resize((c.width * 2, c.height * 2), Image.LANCZOS)
        found, _ = engine(np.array(c.convert("RGB")), use_cls=False)
        for box, text, score in found or []:
            # a lone zero in a column of numbers is often read as the letter O
            text = zero_if_round(text)
            if numeric(text) is None:
                continue
            box = [[left + p[0] / 2, top + p[1] / 2] for p in box]
            bx = rect(box)
            if any(bx[0] < r[2] and bx[2] > r[0] and bx[1] < r[3] and bx[3] > r[1] for r in nums):
                continue
            nums.append(bx)  # (two gaps over one cell find it once)
            out.append((box, text, score))
    return out


def without_page_numbers(boxes, height):
    """Drops the page number (`3`, `- 3 -`, `第3页`, `3/12`) printed alone in the page's top or
    bottom margin: laid out as a line of its own, it would read as a number of the table row
    above it. Only a short number-like text alone on its line within the top 6% or the bottom
    10% of the page is dropped."""
    import re

    pattern = re.compile(r"^[-\u2014\u2013\uff0d\s]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*\d{1,3})?[-\u2014\u2013\uff0d\s]*$")
    dashes = re.compile(r"^[-\u2014\u2013\uff0d\u4e00_]+$")
    out = []
    for i, (box, text, score) in enumerate(boxes):
        x0, y0, x1, y1 = rect(box)
        margin = y1 < 0.06 * height or y0 > 0.90 * height
        if margin and pattern.match(text.strip()):
            # (the dashes around it, read as boxes of their own, `-` or `一`, do not count)
            alone = not any(
                j != i and rect(b)[1] < y1 and rect(b)[3] > y0 and not dashes.match(t.strip())
                for j, (b, t, _) in enumerate(boxes)
            )
            if alone:
                continue
        out.append((box, text, score))
    return out


def split_glued(engine, image, boxes):
    """Splits a box the detector drew around several numbers of a row (`0 0 0 0 0 0 0`, or
    `10100` for five one-digit cells: a table whose ruling lines were painted out, or narrow
    columns) at its blank gaps wider than half its height (the digits of one number stand
    much closer), and reads each piece on its own. Only boxes read as numbers are split; a
    piece with no number is dropped, and each piece is verified like every number
    afterwards."""
    import numpy as np

    out = []
    for box, text, score in boxes:
        if numeric(text) is None:
            out.append((box, text, score))
            continue
        x0, y0, x1, y1 = (int(round(v)) for v in rect(box))
        x0, y0 = max(0, x0), max(0, y0)
        crop = image[y0:y1, x0:x1]
        h = max(1, y1 - y0)
        if crop.size == 0:
            out.append((box, text, score))
            continue
        inked = (crop < 128).any(axis=0)
        pieces, start, blank = [], None, 0
        for x, ink in enumerate(inked):
            if ink:
                if start is None:
                    start = x
                elif blank >= 0.5 * h:
                    pieces.append((start, x - blank))
                    start = x
                blank = 0
            elif start is not None:
                blank += 1
        if start is not None:
            pieces.append((start, len(inked) - blank))
        if len(pieces) < 2:
            out.append((box, text, score))
            continue
        pad = 2
        crops = [
            np.stack([image[y0:y1, max(0, x0 + a - pad) : x0 + b + pad]] * 3, axis=-1)
            for a, b in pieces
        ]
        read, _ = engine.text_rec(crops)
        for (a, b), (t, sc) in zip(pieces, read):
            if numeric(t) is None:
                continue
            piece = [[x0 + a, y0], [x0 + b, y0], [x0 + b, y1], [x0 + a, y1]]
            out.append((piece, t, min(float(score), float(sc))))
    return out


def without_rules(image):
    """The page as a grey array with its ruling lines painted out: a table drawn with lines
    (a Word table's borders, pasted as a picture) makes the recogniser read a line beside a
    digit as a 1 or glue cells together. Lines are the long horizontal and vertical runs of
    dark pixels (longer than any stroke of a character: a 25th of the page), found by
    morphological opening; what they cross keeps its other strokes."""
    import cv2
    import numpy as np
    from PIL import Image

    with Image.open(image) as im:
        grey = np.array(im.convert("L"))
    h, w = grey.shape
    ink = cv2.adaptiveThreshold(
        255 - grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2
    )
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 25), 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 25)))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, across) | cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, down
    )
    if not lines.any():
        return grey
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    out = grey.copy()
    out[lines > 0] = 255
    return out


def small_text(boxes):
    """Whether a picture's numbers are set small (their boxes' median height under 20
    pixels: a screenshot at screen resolution rather than a scan at 300 dpi)."""
    heights = sorted(rect(b)[3] - rect(b)[1] for b, t, _ in boxes if numeric(t) is not None)
    return bool(heights) and heights[len(heights) // 2] < 20


def rapidocr(images):
    if not _ENGINE:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE.append(RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1))
    engine = _ENGINE[0]
    import numpy as np

    for n, image in enumerate(images, 1):
        w, h = size_of(image)
        yield {"page": n, "width": w, "height": h}
        grey = without_rules(image)
        # no angle classifier: it turns a line it takes for upside down by 180 degrees, and
        # an upright 99 then reads 66 with full confidence (a 9 is a 6 upside down)
        result, _ = engine(np.stack([grey] * 3, axis=-1), use_cls=False)
        scale = 1
        if small_text(result or []):
            # a screenshot's small type: the detector passes over lone digits of 8 pixels;
            # read the picture enlarged twice, and give the boxes in its own pixels
            import cv2

            scale = 2
            grey = cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
            result, _ = engine(np.stack([grey] * 3, axis=-1), use_cls=False)
        found = without_page_numbers(result or [], grey.shape[0])
        found = fill_gaps(engine, grey, split_glued(engine, grey, found))
        for box, text, score in verify(engine, grey, found):
            text = joined(text)
            xs = [p[0] / scale for p in box]
            ys = [p[1] / scale for p in box]
            yield {
                "page": n,
                "x": round(min(xs)),
                "y": round(min(ys)),
                "w": round(max(xs) - min(xs)),
                "h": round(max(ys) - min(ys)),
                "text": text,
                "conf": round(float(score), 4),
            }


def tesseract(images):
    for n, image in enumerate(images, 1):
        out = subprocess.run(
            ["tesseract", image, "-", "-l", "chi_sim", "--psm", "6", "tsv"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        w, h = size_of(image)
        yield {"page": n, "width": w, "height": h}
        for line in out.splitlines()[1:]:
            f = line.split("\t")
            if len(f) < 12 or f[0] != "5" or not f[11].strip():
                continue
            yield {
                "page": n,
                "x": int(f[6]),
                "y": int(f[7]),
                "w": int(f[8]),
                "h": int(f[9]),
                "text": f[11].strip(),
                "conf": max(0.0, float(f[10])) / 100.0,
            }


def read_one(engine, dpi, pdftoppm, path, out):
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        images = pages_of(path, dpi, pdftoppm, tmp)
        run = rapidocr if engine == "rapidocr" else tesseract
        for item in run(images):
            out.write(json.dumps(item, ensure_ascii=False))
            out.write("\n")


def serve(engine, dpi, pdftoppm):
    out = sys.stdout
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        try:
            read_one(engine, dpi, pdftoppm, path, out)
            done = {"done": True}
        except Exception as e:  # one bad document never stops the worker
            done = {"done": True, "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(done, ensure_ascii=False))
        out.write("\n")
        out.flush()


def main():
    if sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    engine, dpi, pdftoppm, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    read_one(engine, dpi, pdftoppm, path, sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
