#!/usr/bin/env python3
"""Renders HTML pages in headless Chromium, as a person would see them, and checks them.

    report_check.py CHROMIUM PAGE.html [PAGE.html ...] [--expect PAGE.html#ID=S1,S2,... ...]

For each page, at a 1000 px wide window: every picture (<img>, and every outermost inline
<svg>) is drawn with a non-zero width and height and, for images, has loaded; the page does not
scroll sideways; and the console shows no error (console.error, an uncaught exception, or a
browser log entry of level error, such as a resource that failed to load).

Each --expect names a figure a page must have (matched by the page's file name and the figure's
id): it must hold an SVG drawn with a non-zero size whose data series (the elements with a
`data-series` attribute, as report/svg.rs's grouped bars write them) are exactly S1, S2, ...,
each with the same number of elements drawn with a non-zero size, at least one.

It drives Chromium through the DevTools protocol over a pipe (--remote-debugging-pipe: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so it needs nothing but Python's
standard library. Exits 0 when every page passes, 1 otherwise, 2 on bad usage.
"""

import json
import os
import pathlib
import select
import subprocess
import sys
import tempfile
import time

WIDTH = 1000
HEIGHT = 800
TIMEOUT_S = 60

# The checks, run in the page once it has loaded. Returns a JSON-able object.
CHECK_JS = r"""
(() => {
  const problems = [];
  const pictures = [];
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const src = el.getAttribute('src') || '';
    const fig = el.closest('figure');
    const cap = fig && fig.querySelector('figcaption');
    return el.tagName.toLowerCase() + id + (src ? ' ' + src : '') +
      (cap ? ' ("' + cap.textContent.trim().slice(0, 60) + '")' : '');
  };
  for (const img of document.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    pictures.push(describe(img));
    if (!img.complete || img.naturalWidth === 0) problems.push('image not loaded: ' + describe(img));
    if (r.width <= 0 || r.height <= 0) problems.push('image drawn with no size: ' + describe(img));
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.parentElement && svg.parentElement.closest('svg')) continue;
    const r = svg.getBoundingClientRect();
    pictures.push(describe(svg));
    if (r.width <= 0 || r.height <= 0) problems.push('svg drawn with no size: ' + describe(svg));
    if (r.right > document.documentElement.clientWidth + 1)
      problems.push('svg cut off at the right edge (' + Math.round(r.right) + ' px): ' + describe(svg));
    if (svg.querySelectorAll('*').length < 3) problems.push('svg is empty: ' + describe(svg));
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth)
    problems.push('the page scrolls sideways: ' + doc.scrollWidth + ' px wide in a ' +
                  doc.clientWidth + ' px window');
  const figures = [];
  for (const [id, series] of EXPECT) {
    const fig = document.getElementById(id);
    const svg = fig && fig.querySelector('svg');
    if (!svg) { problems.push('missing figure #' + id + ' (an svg in an element with that id)'); continue; }
    const r = svg.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) problems.push('figure #' + id + ': svg drawn with no size');
    const drawn = {};
    for (const el of svg.querySelectorAll('[data-series]')) {
      const name = el.getAttribute('data-series');
      const b = el.getBoundingClientRect();
      drawn[name] = (drawn[name] || 0) + (b.width > 0 && b.height > 0 ? 1 : 0);
    }
    for (const name of Object.keys(drawn))
      if (!series.includes(name)) problems.push('figure #' + id + ': unexpected series ' + name);
    const counts = series.map((name) => drawn[name] || 0);
    series.forEach((name, i) => {
      if (counts[i] === 0) problems.push('figure #' + id + ': no drawn marks of series ' + name);
    });
    if (new Set(counts).size > 1)
      problems.push('figure #' + id + ': series drawn unevenly: ' +
                    series.map((n, i) => n + ' ' + counts[i]).join(', '));
    figures.push('#' + id + ': ' + series.map((n, i) => n + ' ' + counts[i]).join(', '));
  }
  return {pictures, problems, figures, title: document.title};
})()
"""


class Browser:
    """One headless Chromium, driven over --remote-debugging-pipe."""

    def __init__(self, chromium):
        # Our ends: we write commands to `to_chrome_w`, read replies from `from_chrome_r`.
        to_chrome_r, self.to_chrome_w = os.pipe()
        self.from_chrome_r, from_chrome_w = os.pipe()
        self.profile = tempfile.TemporaryDirectory(prefix="gomap-report-check-")

        # In the child: the two ends chromium uses become descriptors 3 and 4 (inheritable);
        # every other pipe end is close-on-exec. to_chrome_r < from_chrome_w, so the first
        # dup2 cannot clobber the second's source.
        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
            # dup2 onto itself keeps close-on-exec: clear it either way.
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--disable-extensions",
                "--hide-scrollbars",
                "--user-data-dir=" + self.profile.name,
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=child_fds,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close", wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome_w)
        os.close(self.from_chrome_r)
        self.profile.cleanup()

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_chrome_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_chrome_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe (exit status %s)" % self.proc.poll())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, wait=True):
        """Sends one command; returns its result (raises on a protocol error)."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome_w, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, session):
        deadline = time.monotonic() + TIMEOUT_S
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                del self.events[i]
                return e
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method and e.get("sessionId") == session:
                return e
            self.events.append(e)


def console_errors(events, session):
    out = []
    for e in events:
        if e.get("sessionId") != session:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            out.append("console.%s: %s" % (p["type"], text))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append("uncaught: %s" % d.get("exception", {}).get("description", d.get("text")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            out.append("log: %s %s" % (entry.get("text", ""), entry.get("url", "")))
    return out


def check_page(browser, path, expect):
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(domain + ".enable", session=session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
    browser.wait_event("Page.loadEventFired", session)
    script = CHECK_JS.replace("EXPECT", json.dumps(expect), 1)
    result = browser.send(
        "Runtime.evaluate",
        {"expression": script, "returnByValue": True, "awaitPromise": True},
        session=session,
    )
    if "exceptionDetails" in result:
        raise RuntimeError("the check script failed: %s" % result["exceptionDetails"])
    value = result["result"]["value"]
    # Let late console messages arrive, then collect them.
    browser.send("Runtime.evaluate", {"expression": "1"}, session=session)
    value["problems"] += console_errors(browser.events, session)
    browser.send("Target.closeTarget", {"targetId": target})
    return value


def parse_expect(spec):
    """`PAGE.html#ID=S1,S2` as (page file name, id, [series]), or None if malformed."""
    page, sep, rest = spec.partition("#")
    fig, eq, series = rest.partition("=")
    names = [s for s in series.split(",") if s]
    if not (page and sep and fig and eq and names):
        return None
    return page, fig, names


def main(argv):
    usage = __doc__.strip().splitlines()[2].strip()
    args, expects = [], []
    rest = iter(argv[1:])
    for a in rest:
        if a == "--expect":
            e = parse_expect(next(rest, ""))
            if e is None:
                print("error: --expect takes PAGE.html#ID=S1,S2,...\n" + usage, file=sys.stderr)
                return 2
            expects.append(e)
        else:
            args.append(a)
    if len(args) < 2:
        print(usage, file=sys.stderr)
        return 2
    chromium, pages = args[0], [pathlib.Path(p) for p in args[1:]]
    for p in pages:
        if not p.is_file():
            print("error: no page %s" % p, file=sys.stderr)
            return 2
    for page, fig, _ in expects:
        if not any(p.name == page for p in pages):
            print("error: --expect %s#%s: no such page given" % (page, fig), file=sys.stderr)
            return 2
    browser = Browser(chromium)
    failed = False
    try:
        for p in pages:
            expect = [[fig, series] for page, fig, series in expects if page == p.name]
            r = check_page(browser, p, expect)
            if not r["pictures"]:
                r["problems"].append("no pictures at all")
            status = "ok" if not r["problems"] else "FAILED"
            print("%s: %s (%d pictures, at %d px)" % (p, status, len(r["pictures"]), WIDTH))
            for f in r["figures"]:
                print("  figure " + f)
            for problem in r["problems"]:
                print("  " + problem)
            failed |= status != "ok"
    finally:
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
