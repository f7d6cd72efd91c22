#!/usr/bin/env python3
"""Rebuild the shipped CSVs under Datasets/ from the UCI source files.

Usage (from anywhere):

    python3 Datasets/make_datasets.py [SOURCE_DIR] [OUTPUT_DIR]

SOURCE_DIR defaults to ../shared/datasets relative to the repository root (the
folder that holds german/, australian/, taiwan-default/ and polish/); OUTPUT_DIR
defaults to Datasets/ in the repository root. Standard library only.

Output format (all four files): UTF-8, comma separated, one header line, LF line
endings, RFC 4180 quoting (a field is wrapped in double quotes when it contains a
comma, a quote or a line break; embedded quotes are doubled), `NA` for a missing
value. Numeric values are copied as the exact text of the source (no float
reformatting); only the target columns are rewritten as the integers 0/1.

Every conversion is checked (row counts, event counts, consistency with the
coded source) and the script stops with an error if a check fails.
"""

import csv
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    sys.exit("make_datasets.py: " + msg)


def check(cond, msg):
    if not cond:
        fail("check failed: " + msg)


def write_csv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows:
            check(len(r) == len(header), "%s: ragged row %r" % (path, r))
            w.writerow(r)
    n = len(rows)
    events = sum(int(r[-1]) for r in rows)
    print("%-45s rows=%6d cols=%3d events=%5d rate=%.4f"
          % (os.path.relpath(path, REPO_ROOT), n, len(header), events, events / n))
    return n, events


# ---------------------------------------------------------------------------
# German (Statlog German Credit)
# ---------------------------------------------------------------------------

# german.doc, attribute 9. The text labels are the ones german_decoded.csv uses.
GERMAN_PERSONAL_STATUS = {
    "A91": "male : divorced/separated",
    "A92": "female : divorced/separated/married",
    "A93": "male : single",
    "A94": "male : married/widowed",
    "A95": "female : single",
}
GERMAN_FEMALE_CODES = {"A92", "A95"}


def german(src, out):
    with open(os.path.join(src, "german", "german_decoded.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    with open(os.path.join(src, "german", "german.data"), encoding="ascii") as f:
        coded = [line.split() for line in f if line.strip()]
    check(len(body) == 1000, "german: 1000 decoded rows (got %d)" % len(body))
    check(len(coded) == 1000, "german: 1000 coded rows (got %d)" % len(coded))
    check(header[-1] == "creditability", "german: last column is creditability")
    check(len(header) == 21 and all(len(c) == 21 for c in coded), "german: 20 attributes + class")
    ps = header.index("personal_status_and_sex")

    # Row alignment: every column except personal_status_and_sex must map
    # one-to-one between the coded file and the decoded file.
    for j, name in enumerate(header):
        if j == ps:
            continue
        mapping = {}
        for a, b in zip(coded, body):
            check(mapping.setdefault(a[j], b[j]) == b[j],
                  "german: column %s not a function of the coded value %s" % (name, a[j]))
        check(len(set(mapping.values())) == len(mapping),
              "german: column %s decoding not one-to-one" % name)

    # personal_status_and_sex in german_decoded.csv does NOT follow the coded
    # column row by row (its values are shuffled relative to german.data; the
    # marginal counts agree). It is therefore re-decoded from german.data with
    # the german.doc code table.
    n_bad = 0
    out_rows = []
    for a, b in zip(coded, body):
        code = a[8]
        check(code in GERMAN_PERSONAL_STATUS, "german: unknown personal status code %s" % code)
        cls = b[-1]
        check(cls in ("good", "bad"), "german: creditability good/bad")
        check((a[20] == "2") == (cls == "bad"), "german: class code agrees with creditability")
        r = list(b[:-1])
        r[ps] = GERMAN_PERSONAL_STATUS[code]
        sex = "female" if code in GERMAN_FEMALE_CODES else "male"
        bad = "1" if cls == "bad" else "0"
        n_bad += int(bad)
        out_rows.append(r + [sex, bad])
    check(n_bad == 300, "german: 300 bad (got %d)" % n_bad)
    out_header = header[:-1] + ["sex", "bad"]
    return write_csv(os.path.join(out, "german", "german.csv"), out_header, out_rows)


# ---------------------------------------------------------------------------
# Australian (Statlog Australian Credit Approval)
# ---------------------------------------------------------------------------

def australian(src, out):
    with open(os.path.join(src, "australian", "australian.dat"), encoding="ascii") as f:
        lines = [line.split() for line in f if line.strip()]
    check(len(lines) == 690, "australian: 690 rows (got %d)" % len(lines))
    out_rows = []
    for r in lines:
        check(len(r) == 15, "australian: 15 fields")
        for v in r[:14]:
            float(v)  # all attributes are numeric codes or values
        check(r[14] in ("0", "1"), "australian: class 0/1")
        out_rows.append(r[:14] + [str(1 - int(r[14]))])
    header = ["A%d" % i for i in range(1, 15)] + ["rejected"]
    n, ev = write_csv(os.path.join(out, "australian", "australian.csv"), header, out_rows)
    check(ev == 383, "australian: 383 rejected per australian.doc (got %d)" % ev)
    return n, ev


# ---------------------------------------------------------------------------
# Taiwan default of credit card clients (actionable-recourse processing)
# ---------------------------------------------------------------------------

def taiwan(src, out):
    with open(os.path.join(src, "taiwan-default", "credit_processed.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    check(len(body) == 30000, "taiwan: 30000 rows (got %d)" % len(body))
    t = header.index("NoDefaultNextMonth")
    out_rows = []
    for r in body:
        v = float(r[t])
        check(v in (0.0, 1.0), "taiwan: NoDefaultNextMonth is 0/1")
        rest = [x for j, x in enumerate(r) if j != t]
        for x in rest:
            check(x != "", "taiwan: no empty fields")
        out_rows.append(rest + [str(1 - int(v))])
    out_header = [c for j, c in enumerate(header) if j != t] + ["default_next_month"]
    return write_csv(os.path.join(out, "taiwan-default", "taiwan_default.csv"), out_header, out_rows)


# ---------------------------------------------------------------------------
# Polish companies bankruptcy, 1st year
# ---------------------------------------------------------------------------

def polish(src, out):
    attrs, data, in_data = [], [], False
    with open(os.path.join(src, "polish", "polish_1year.arff"), encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("%"):
                continue
            if not in_data:
                low = s.lower()
                if low.startswith("@attribute"):
                    attrs.append(s.split()[1])
                elif low.startswith("@data"):
                    in_data = True
                continue
            data.append([x.strip() for x in s.split(",")])
    check(attrs == ["Attr%d" % i for i in range(1, 65)] + ["class"], "polish: Attr1..Attr64, class")
    check(len(data) == 7027, "polish: 7027 rows (got %d)" % len(data))
    out_rows = []
    for r in data:
        check(len(r) == 65, "polish: 65 fields")
        check(r[64] in ("0", "1"), "polish: class 0/1")
        feats = []
        for x in r[:64]:
            if x == "?":
                feats.append("NA")
            else:
                float(x)
                feats.append(x)
        out_rows.append(feats + [r[64]])
    header = attrs[:64] + ["bankrupt"]
    n, ev = write_csv(os.path.join(out, "polish", "polish_1year.csv"), header, out_rows)
    check(ev == 271, "polish: 271 bankrupt per UCI (got %d)" % ev)
    return n, ev


def main(argv):
    src = argv[1] if len(argv) > 1 else os.path.join(REPO_ROOT, "..", "shared", "datasets")
    out = argv[2] if len(argv) > 2 else os.path.join(REPO_ROOT, "Datasets")
    src, out = os.path.abspath(src), os.path.abspath(out)
    if not os.path.isdir(src):
        fail("source folder not found: %s" % src)
    german(src, out)
    australian(src, out)
    taiwan(src, out)
    polish(src, out)


if __name__ == "__main__":
    main(sys.argv)
