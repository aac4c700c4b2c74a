"""One headless Chromium for every browser test of the session (test_docs.py, test_lab.py).

Playwright's sync API runs an event loop while it is open, so a second `sync_playwright()` in the same
process fails: the browser tests share this session fixture instead of opening their own.
"""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path('/usr/bin/chromium')


@pytest.fixture(scope='session')
def browser():
    "Debian's chromium driven by Playwright (never `playwright install`); `make browser` installs it when missing"
    if not CHROMIUM.exists(): subprocess.run(['make', '-s', 'browser'], cwd=ROOT)
    if not CHROMIUM.exists(): pytest.skip(f'{CHROMIUM} missing and `make browser` (apt-get install chromium) failed')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()
