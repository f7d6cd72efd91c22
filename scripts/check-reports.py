#!/usr/bin/env python3
"""Check the report gallery in a real headless Chromium; fail on any problem.

    python3 scripts/check-reports.py [Reports/index.html]

For the index and every report it links (the cards written by scripts/make-gallery.sh):
  * the page renders with no console message at all (the reports have no scripts, so any message, from an
    uncaught error to a failed resource load, is a defect), read from Chromium's `--enable-logging=stderr` log;
  * the charts are present: the rendered DOM (`--dump-dom`) has the number of <svg> elements the card declares;
  * the PDF has the expected pages: the committed PDF has the declared page count, and printing the HTML again
    (`--print-to-pdf`) gives the same count;
  * nothing it loads is missing or remote (images, stylesheets, scripts), and every local link of the index resolves.
Before that it runs the same checks on a deliberately broken page and fails unless they catch it.

Needs only the Python standard library. Prints "reports: SKIPPED (no chromium)" and exits 0 when no Chromium is
found (chromium, chromium-browser, google-chrome on PATH, or $OBLIGOR_CHROMIUM), and "reports: SKIPPED (chromium … does
not run here: …)" when one is found but cannot render a trivial page; a Chromium that runs must pass every check.
"""
import html.parser, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CONSOLE = re.compile(r":CONSOLE[:(\]]")


def find_chromium():
    env = os.environ.get("OBLIGOR_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in ["chromium", "chromium-browser", "google-chrome"]:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Runs headless Chromium with a private profile (so concurrent runs never share a lock)."""

    def __init__(self, binary, scratch):
        self.binary, self.scratch = binary, scratch

    def run(self, *args, timeout=120):
        profile = tempfile.mkdtemp(dir=self.scratch, prefix="profile-")
        cmd = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               f"--user-data-dir={profile}", *args]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CheckError(f"chromium timed out after {timeout} s: {' '.join(args)}")
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        return r

    def render(self, path):
        """(DOM text, console lines) of a local page."""
        r = self.run("--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom", "file://" + path)
        if r.returncode != 0:
            raise CheckError(f"chromium exited with {r.returncode} on {path}: {r.stderr[-500:]}")
        return r.stdout, [l for l in r.stderr.splitlines() if CONSOLE.search(l)]

    def print_pdf(self, path, pdf):
        r = self.run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", "file://" + path)
        if not os.path.exists(pdf):
            raise CheckError(f"chromium wrote no PDF for {path} (exit {r.returncode}): {r.stderr[-500:]}")


class CheckError(Exception):
    pass


class Tags(html.parser.HTMLParser):
    """Counts elements by tag and collects the index's cards and links."""

    def __init__(self):
        super().__init__()
        self.counts, self.cards, self.links, self.resources = {}, [], [], []

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        a = dict(attrs)
        if "data-report" in a:
            self.cards.append(a)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("src") or (tag == "link" and a.get("href")):
            self.resources.append(a.get("src") or a["href"])


def parse(text):
    p = Tags()
    p.feed(text)
    return p


def pdf_pages(path):
    """Page count of a PDF: its /Type /Page objects, cross-checked with the page tree's /Count."""
    data = open(path, "rb").read()
    if not data.startswith(b"%PDF-"):
        raise CheckError(f"{path} is not a PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data, re.S)]
    if counts and max(counts) != pages:
        raise CheckError(f"{path}: {pages} page objects but the page tree says {max(counts)}")
    return pages


def check_page(browser, path, charts, pdf, pages, scratch):
    """Problems of one report (empty when it passes)."""
    problems = []
    if not os.path.exists(path):
        return [f"missing {os.path.relpath(path, ROOT)}"]
    dom, console = browser.render(path)
    problems += [f"console: {l.split('] ', 1)[-1]}" for l in console]
    tags = parse(dom)
    for ref in tags.resources:   # images, stylesheets, scripts: a self-contained page has none that are missing
        local = ref.split("#")[0].split("?")[0]
        if re.match(r"^[a-z]+:", local):
            if not local.startswith(("data:", "file:")):
                problems.append(f"loads a remote resource: {ref}")
        elif local and not os.path.exists(os.path.join(os.path.dirname(path), local)):
            problems.append(f"missing resource {ref}")
    svgs = tags.counts.get("svg", 0)
    if svgs == 0 or (charts is not None and svgs != charts):
        problems.append(f"{svgs} <svg> charts rendered, expected {charts if charts is not None else 'at least 1'}")
    if pdf:
        if not os.path.exists(pdf):
            problems.append(f"missing {os.path.relpath(pdf, ROOT)}")
        else:
            committed = pdf_pages(pdf)
            fresh_path = os.path.join(scratch, "fresh.pdf")
            browser.print_pdf(path, fresh_path)
            fresh = pdf_pages(fresh_path)
            os.remove(fresh_path)
            if committed != pages or fresh != pages:
                problems.append(f"PDF pages: committed {committed}, printed now {fresh}, expected {pages}")
    return problems


def self_test(browser, scratch):
    """The checks must catch a page with a script error, a console error and no charts."""
    bad = os.path.join(scratch, "broken.html")
    with open(bad, "w") as f:
        f.write('<!DOCTYPE html><html><body><p>no chart</p><script>console.error("deliberate"); notDefined();</script></body></html>')
    problems = check_page(browser, bad, 1, None, 0, scratch)
    caught = sum("console" in p for p in problems) >= 2 and any("<svg>" in p for p in problems)
    if not caught:
        raise CheckError(f"self-test: a deliberately broken page was not caught (found: {problems})")


def main():
    index = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "Reports", "index.html")
    chromium = find_chromium()
    if not chromium:
        print("reports: SKIPPED (no chromium)")
        return 0
    start = time.time()
    failed = []
    with tempfile.TemporaryDirectory(prefix="obligor-check-reports-") as scratch:
        browser = Browser(chromium, scratch)
        # A Chromium that is installed but cannot start here (a container without the kernel features it
        # needs) says nothing about the reports: skip visibly. One that starts must pass every check below.
        smoke = os.path.join(scratch, "smoke.html")
        with open(smoke, "w") as f:
            f.write('<!DOCTYPE html><html><body><svg id="smoke"></svg></body></html>')
        try:
            dom, _ = browser.render(smoke)
            started = 'id="smoke"' in dom
            reason = "it rendered no DOM"
        except CheckError as e:
            started, reason = False, str(e)[-300:]
        if not started:
            print(f"reports: SKIPPED (chromium at {chromium} does not run here: {reason})")
            return 0
        try:
            self_test(browser, scratch)
            if not os.path.exists(index):
                raise CheckError(f"no gallery index at {index} (run scripts/make-gallery.sh)")
            base = os.path.dirname(index)
            text = open(index, encoding="utf-8").read()
            tags = parse(text)
            if not tags.cards:
                raise CheckError(f"{index} lists no reports (no data-report cards)")
            _, console = browser.render(index)
            for link in tags.links:
                local = link.split("#")[0]
                if local and not re.match(r"^[a-z]+:", local) and not os.path.exists(os.path.join(base, local)):
                    failed.append(f"index.html: broken link {link}")
            failed += [f"index.html: console: {l.split('] ', 1)[-1]}" for l in console]
            for card in tags.cards:
                t0 = time.time()
                page = os.path.join(base, card["data-report"])
                pdf = os.path.join(base, card["data-pdf"]) if card.get("data-pdf") else None
                charts = int(card["data-charts"]) if card.get("data-charts") else None
                pages = int(card.get("data-pdf-pages") or 0)
                problems = check_page(browser, page, charts, pdf, pages, scratch)
                label = card["data-report"]
                if problems:
                    failed += [f"{label}: {p}" for p in problems]
                    print(f"reports: {label} FAILED")
                else:
                    print(f"reports: {label} ok ({charts} charts" + (f", PDF {pages} pages" if pdf else ", no PDF") + f", {time.time() - t0:.1f} s)")
        except CheckError as e:
            failed.append(str(e))
    for f in failed:
        print(f"reports: FAILED: {f}")
    print(f"reports: {'FAILED' if failed else 'ok'} in {time.time() - start:.0f} s ({chromium})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
