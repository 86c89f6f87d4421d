"""The OCR helper's own steps (crates/extract/src/ocr_helper.py, issue 30.4), without the OCR
engine: how recognised text is written, which boxes are page numbers, how a box around
several numbers of a row is cut, and how a number is read again as digits only. The engine is a stand-in that records what it is asked to
read. (The whole path, engine included, is tested end to end in tests/ocr.rs and
tests/bundles.rs when rapidocr is installed.)
"""
import importlib.util
import pathlib

import pytest

np = pytest.importorskip("numpy")

HELPER = pathlib.Path(__file__).resolve().parents[2] / "crates/extract/src/ocr_helper.py"
spec = importlib.util.spec_from_file_location("ocr_helper", HELPER)
helper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(helper)


def box(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def test_numbers_spaced_by_the_recogniser_are_written_whole():
    assert helper.joined("334. 3") == "334.3"
    assert helper.joined("- 4") == "-4"
    assert helper.joined("－ 12") == "－12"
    # a page number keeps its dashes apart: never a negative number
    assert helper.joined("- 3 -") == "- 3 -"
    assert helper.joined("行政复议 - 3") == "行政复议 - 3"
    assert helper.numeric("1 234") == "1234"
    assert helper.numeric("本年") is None


def test_page_numbers_alone_in_the_margins_are_dropped():
    height = 3509
    boxes = [
        (box(1946, 3302, 1997, 3345), "3", 0.99),  # bottom margin, alone
        (box(1936, 3311, 1957, 3339), "一", 0.76),  # its dash, read as 一
        (box(900, 40, 1000, 90), "- 12 -", 0.99),  # top margin
        (box(100, 3250, 300, 3290), "第 4 页", 0.99),  # 第N页 in the bottom margin
        (box(752, 3192, 1236, 3233), "2.没有现成信息需要另行制作", 1.0),  # the table's last row,
        (box(1337, 3176, 1377, 3231), "3", 1.0),  # in the margin too, its number beside its label
        (box(1465, 3400, 1501, 3440), "7", 1.0),  # in the margin, but beside another number:
        (box(1600, 3400, 1640, 3440), "8", 1.0),  # a row of the table, kept
    ]
    kept = [t for _, t, _ in helper.without_page_numbers(boxes, height)]
    assert kept == ["一", "2.没有现成信息需要另行制作", "3", "7", "8"]


class Engine:
    """Reads each crop as the next of `answers` and remembers the crops' widths."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.widths = []

    def text_rec(self, crops):
        self.widths += [c.shape[1] for c in crops]
        out = [(self.answers.pop(0), 0.99) for _ in crops]
        return out, None


def page_with_blobs(spans, height=60, width=600):
    """A white page with black blobs (digits) at the given x spans, rows 20..40."""
    image = np.full((height, width), 255, np.uint8)
    for a, b in spans:
        image[20:40, a:b] = 0
    return image


def test_a_box_around_a_row_of_numbers_is_cut_at_its_wide_gaps():
    # five one-digit cells 60 px apart, read by the detector as one box "10100"
    spans = [(110, 122), (170, 182), (230, 242), (290, 302), (350, 362)]
    image = page_with_blobs(spans)
    engine = Engine(["1", "0", "1", "0", "0"])
    out = helper.split_glued(engine, image, [(box(105, 15, 368, 45), "10100", 0.95)])
    assert [t for _, t, _ in out] == ["1", "0", "1", "0", "0"]
    # each piece covers its own blob, and is read from its own crop
    for (b, _, _), (a, z) in zip(out, spans):
        x0, _, x1, _ = helper.rect(b)
        assert x0 <= a and x1 >= z and x1 - x0 < 30
    assert len(engine.widths) == 5 and max(engine.widths) < 30


def test_one_number_and_text_are_never_cut():
    # the digits of one number stand close: 1 2 3 4 with 4 px gaps
    image = page_with_blobs([(110, 122), (126, 138), (142, 154), (158, 170)])
    engine = Engine([])
    one = [(box(105, 15, 175, 45), "1234", 0.99)]
    assert helper.split_glued(engine, image, one) == one
    words = [(box(105, 15, 368, 45), "本年 新收", 0.99)]
    assert helper.split_glued(engine, page_with_blobs([(110, 122), (300, 312)]), words) == words
    assert engine.widths == []


def test_a_piece_read_as_no_number_is_dropped():
    image = page_with_blobs([(110, 122), (230, 242)])
    engine = Engine(["5", "|"])
    out = helper.split_glued(engine, image, [(box(105, 15, 250, 45), "5 1", 0.97)])
    assert [(t, s) for _, t, s in out] == [("5", 0.97)]


def test_a_round_glyph_where_a_number_stands_is_a_zero():
    for glyph in ["O", "o", "〇", "。", " O "]:
        assert helper.zero_if_round(glyph) == "0"
    for text in ["0", "8", "6", "OK", "。。", "本年"]:
        assert helper.zero_if_round(text) == text


def test_small_type_is_read_enlarged():
    row = lambda h: [(box(10 * i, 0, 10 * i + 8, h), str(i), 0.99) for i in range(5)]
    assert helper.small_text(row(17))  # a screenshot's digits
    assert not helper.small_text(row(28))  # a 200-300 dpi rendering
    assert not helper.small_text([(box(0, 0, 100, 10), "本年", 0.99)])  # no numbers


class FakeRecogniser:
    """A recogniser whose model says, for every crop, the per-step probabilities given: its
    classes are CTC's blank, 0, O, 8 and 〇."""

    rec_image_shape = [3, 48, 320]

    def __init__(self, steps):
        self.steps = np.array([steps], dtype=np.float32)
        chars = ["blank", "0", "O", "8", "\u3007"]
        self.postprocess_op = type("Decode", (), {"character": chars})()

    def resize_norm_img(self, crop, ratio):
        return np.zeros((3, 48, int(48 * ratio)), dtype=np.float32)

    def session(self, batch):
        return [np.repeat(self.steps, len(batch), axis=0)]


def test_a_number_read_again_is_read_as_digits_only():
    # a small 0 the model shares with the letter O and 〇: among digits it is a sure 0
    zero = FakeRecogniser(
        [[0.9, 0.05, 0.03, 0.01, 0.01], [0.02, 0.55, 0.3, 0.03, 0.1], [0.95, 0.02, 0.01, 0.01, 0.01]]
    )
    engine = type("Engine", (), {"text_rec": zero})()
    [(text, conf)] = helper.digits_rec(engine, [np.zeros((20, 12, 3), dtype=np.uint8)])
    assert text == "0"
    # (kept: blank 0.02, 0 0.55, 8 0.03)
    assert conf == pytest.approx(0.55 / 0.60, abs=1e-4)
    # a glyph that could be 0 or 8 stays unsure
    unsure = FakeRecogniser([[0.02, 0.45, 0.05, 0.45, 0.03]])
    engine = type("Engine", (), {"text_rec": unsure})()
    [(text, conf)] = helper.digits_rec(engine, [np.zeros((20, 12, 3), dtype=np.uint8)])
    assert text in ("0", "8") and conf < 0.6
    # a repeated class is one character, a blank between two is two
    twice = FakeRecogniser([[0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]])
    engine = type("Engine", (), {"text_rec": twice})()
    assert helper.digits_rec(engine, [np.zeros((20, 30, 3), dtype=np.uint8)])[0][0] == "00"


class Detector:
    """A whole engine for crops: finds one number, `text`, in the middle of a crop with ink
    (in the crop's enlarged pixels), nothing in a blank one, and counts the crops."""

    def __init__(self, text):
        self.text = text
        self.crops = 0

    def __call__(self, crop, use_cls=False):
        self.crops += 1
        h, w = crop.shape[:2]
        if crop.min() > 128:  # nothing printed there
            return None, None
        return [(box(w // 2 - 10, h // 2 - 20, w // 2 + 10, h // 2 + 20), self.text, 0.99)], None


def test_a_number_missed_at_the_end_of_a_one_row_table_is_looked_for():
    # part 四's row of fifteen numbers, 46 px apart; the detector missed the first
    row = [(box(100 + 46 * i, 100, 112 + 46 * i, 126), str(i % 7), 0.99) for i in range(1, 15)]
    image = np.full((300, 900), 255, np.uint8)
    for i in range(15):
        image[102:124, 101 + 46 * i : 111 + 46 * i] = 0
    engine = Detector("4")
    out = helper.fill_gaps(engine, image, row)
    found = [(helper.rect(b), t) for b, t, _ in out[len(row):]]
    assert [t for _, t in found] == ["4"], found
    x0, _, x1, _ = found[0][0]
    assert x1 < 146 and x1 > 100  # left of the first number found, where the first column is
    # a table of several rows is not looked beyond its ends (its first column is the labels')
    two = row + [(box(100 + 46 * i, 200, 112 + 46 * i, 226), "1", 0.99) for i in range(1, 15)]
    engine = Detector("4")
    out = helper.fill_gaps(engine, image, two)
    assert len(out) == len(two) and engine.crops == 0
