"""One headless Chromium for every browser test of the session (test_docs.py, test_lab.py).

Playwright's sync API runs an event loop while it is open, so a second `sync_playwright()` in the same
process fails: the browser tests share this session fixture instead of opening their own.

A test that needs a Debian package calls `needs_debian`: on a laptop without it the test skips in one line that names
the package; under CI (CI=true) it fails instead, since there it must run.
"""
import os, subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path('/usr/bin/chromium')


def needs_debian(package: str, missing: str):
    "Skip, in one line naming Debian's `package`, because `missing` is absent; under CI=true fail instead"
    msg = f"{missing} missing: install Debian's {package} package (sudo apt-get install {package})"
    if os.environ.get('CI', '').lower() in ('1', 'true'): pytest.fail(f'CI=true, so this test must run: {msg}', pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope='session')
def browser():
    "Debian's chromium driven by Playwright (never `playwright install`); `make browser` installs it when missing"
    if not CHROMIUM.exists(): subprocess.run(['make', '-s', 'browser'], cwd=ROOT)
    if not CHROMIUM.exists(): needs_debian('chromium', str(CHROMIUM))
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()
