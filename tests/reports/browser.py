"""Headless Debian chromium driven over its DevTools pipe: no driver package, no port, no network.

Chromium reads DevTools commands on fd 3 and writes replies and events on fd 4 (`--remote-debugging-pipe`),
NUL-separated JSON. The page's console errors, uncaught exceptions, dialogs and requests are collected as
events, so a test can assert that none happened. Clicks are real mouse events at the element's centre.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--hide-scrollbars", "about:blank"]


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, width: int = 1400, height: int = 900, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self.profile = Path(tempfile.mkdtemp(prefix="siqa-chromium-"))
        to_chrome_read, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_write = os.pipe()

        def wire() -> None:  # in the child: the pipe ends chromium expects, as fds 3 and 4
            read_end, write_end = os.dup(to_chrome_read), os.dup(from_chrome_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}"],
                                        preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = next(t for t in self.command("Target.getTargets")["targetInfos"] if t["type"] == "page")
        attached = self.command("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.command(f"{domain}.enable", session=True)
        self.command("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                     deviceScaleFactor=1, mobile=False)

    # protocol ----------------------------------------------------------------------------------------------

    def command(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not select.select([self._from_chrome], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _wait(self, matches: Any) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if "method" in message:
                self.events.append(message)
            if matches(message):
                return message

    # page --------------------------------------------------------------------------------------------------

    def _until_loaded(self) -> None:
        self._wait(lambda m: m.get("method") == "Page.loadEventFired")

    def goto(self, url: str) -> None:
        self.command("Page.navigate", session=True, url=url)
        self._until_loaded()

    def evaluate(self, expression: str) -> Any:
        result = self.command("Runtime.evaluate", session=True, expression=expression, returnByValue=True,
                              awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str, navigates: bool = False) -> None:
        """A real mouse click at the centre of the first element matching `selector`."""
        box = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: "center"}});
            const r = el.getBoundingClientRect();
            return {{x: r.x + r.width / 2, y: r.y + r.height / 2}};
        }})()""")
        if box is None:
            raise BrowserError(f"nothing matches {selector!r} on {self.url}")
        for kind in ("mousePressed", "mouseReleased"):
            self.command("Input.dispatchMouseEvent", session=True, type=kind, x=box["x"], y=box["y"],
                         button="left", clickCount=1)
        if navigates:
            self._until_loaded()

    def type_into(self, selector: str, text: str) -> None:
        self.click(selector)
        self.command("Input.insertText", session=True, text=text)

    def choose(self, selector: str, value: str) -> None:
        """Pick an option of a <select> as a keyboard user would, then let the page see the change."""
        self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            el.focus(); el.value = {json.dumps(value)};
            el.dispatchEvent(new Event("input", {{bubbles: true}}));
        }})()""")

    @property
    def url(self) -> str:
        return self.evaluate("location.href")

    def screenshot(self, path: Path) -> Path:
        """The whole page, not only the viewport."""
        size = self.command("Page.getLayoutMetrics", session=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
        data = self.command("Page.captureScreenshot", session=True, format="png", clip=clip,
                            captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    # what happened -----------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Collect events that arrived after the last reply (a round trip flushes what is pending)."""
        self.evaluate("0")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        self.settle()
        out = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('exception', {}).get('description')}")
            elif event["method"] == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                out.append(f"console.{params['type']}: {[a.get('value') for a in params['args']]}")
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
        return out

    def dialogs(self) -> list[str]:
        self.settle()
        return [e["params"]["message"] for e in self.events if e["method"] == "Page.javascriptDialogOpening"]

    def requests(self) -> list[str]:
        self.settle()
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.command("Browser.close")
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)
