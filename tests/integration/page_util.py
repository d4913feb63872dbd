"""Helpers for the page's browser tests and bench/ui: a real `drover serve` and a headless
Chromium driven through chromedriver (selenium)."""
import os
import select
import subprocess
import tempfile
import time

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,900"]


def start_server(drover, store, *extra, timeout=30):
    """Starts `drover serve --port 0` on `store`; returns (process, url from its first
    line). The caller kills the process."""
    p = subprocess.Popen([drover, "--store", store, "serve", "--bind", "127.0.0.1", "--port", "0",
                          *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        ready, _, _ = select.select([p.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(p.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        elif p.poll() is not None:
            break
    url = line.decode().strip()
    if not url.startswith("http"):
        p.kill()
        err = p.stderr.read().decode() if p.stderr else ""
        raise RuntimeError(f"drover serve printed no URL: {url!r} {err}")
    return p, url


def stop_server(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    for f in (p.stdout, p.stderr):
        if f:
            f.close()


def start_browser(width=1400, height=900):
    """A headless Chromium with a fresh profile (selenium's Chrome driver); the caller
    quits it. Raises ImportError/WebDriverException when it cannot start."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for f in CHROME_FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--window-size={width},{height}")
    profile = tempfile.mkdtemp(prefix="drover-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    if os.path.exists("/usr/bin/chromium"):
        opts.binary_location = "/usr/bin/chromium"
    service = Service(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    driver.drover_profile = profile
    return driver


def wait_for(driver, script, timeout=45, what=""):
    """Runs the JavaScript expression `script` until it is truthy; returns its value or
    raises AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = driver.execute_script(f"return ({script});")
        except Exception as e:  # the page is navigating
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or script}: last {last!r}")
