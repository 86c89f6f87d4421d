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


def numeric(text):
    """The text of a number without spaces (`334. 3` is 334.3), or None for other text."""
    t = "".join(text.split())
    if t and all(c.isdigit() or c in ".,-" for c in t) and any(c.isdigit() for c in t):
        return t
    return None


def verify(engine, image, boxes):
    """Reads every number again, alone, from its own crop with a margin: the recogniser can
    read a number with full confidence and wrongly (98 as 86 in a whole page; 882.61 as
    88.61 in one crop and right in a slightly larger one). A number stands only when the two
    readings agree (with the higher of their confidences); when they differ it gets
    confidence 0: not trusted unless an identity of the table confirms it. Never a vote: two
    readings of the same pixels can be wrong alike, so a disagreement is never settled by a
    third."""
    import numpy as np
    from PIL import Image

    todo = [i for i, b in enumerate(boxes) if numeric(b[1]) is not None]
    if not todo:
        return boxes
    with Image.open(image) as im:
        grey = im.convert("L")
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
    again, _ = engine.text_rec(crops)
    out = list(boxes)
    for i, (text2, score2) in zip(todo, again):
        box, text, score = boxes[i]
        if numeric(text2) == numeric(text):
            out[i] = (box, text, max(float(score), float(score2)))
        else:
            out[i] = (box, text, 0.0)
    return out


def rapidocr(images):
    if not _ENGINE:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE.append(RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1))
    engine = _ENGINE[0]
    for n, image in enumerate(images, 1):
        w, h = size_of(image)
        yield {"page": n, "width": w, "height": h}
        result, _ = engine(image)
        for box, text, score in verify(engine, image, result or []):
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
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
