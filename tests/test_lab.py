"""The DDPM sampling widget as a student uses it: JupyterLab in headless Chromium.

Starts JupyterLab on 127.0.0.1 (free port, random token) in a temp dir holding a copy of tests/lab_demo.ipynb,
opens that notebook, runs all cells, presses **Sample**, moves the steps slider one notch (10 -> 20) and presses
**Sample** again: a new image must replace the first and the label must say 20 steps. A screenshot goes to
screenshots/lab_demo.png. Debian's chromium is driven by Playwright (never `playwright install`): `make browser`.
"""
import os, re, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture
def lab():
    "JupyterLab serving a temp copy of lab_demo.ipynb; yields the notebook's URL, stops the server by its PID"
    root = Path(tempfile.mkdtemp(prefix='megapix-lab-'))
    shutil.copy(ROOT / 'tests' / 'lab_demo.ipynb', root)
    notification = root / '.settings' / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings'
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false"}')  # no "get Jupyter news?" toast over the notebook
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, OMP_NUM_THREADS='1', JUPYTER_RUNTIME_DIR=str(root / '.runtime'))
    with open(root / '.server.log', 'w') as log:
        server = subprocess.Popen([str(Path(sys.executable).parent / 'jupyter'), 'lab', '--no-browser', '--ip', '127.0.0.1',
                                   f'--port={port}', '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}',
                                   f'--ServerApp.root_dir={root}', f'--LabApp.workspaces_dir={root / ".workspaces"}',
                                   f'--LabApp.user_settings_dir={root / ".settings"}']
                                  + ['--allow-root'] * (os.geteuid() == 0),  # containers and CI often run as root
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 120
        while True:  # until the server answers an authenticated request
            assert server.poll() is None, (root / '.server.log').read_text()
            try:
                urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=5); break
            except OSError:
                assert time.time() < deadline, 'JupyterLab did not answer in 120 s'
                time.sleep(0.5)
        yield f'{base}/lab/tree/lab_demo.ipynb?token={token}'
    finally:
        server.terminate()  # SIGTERM: the server shuts its kernels down, then exits
        try: server.wait(30)
        except subprocess.TimeoutExpired: server.kill(); server.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def page(browser):  # `browser`: tests/conftest.py
    page = browser.new_page(viewport={'width': 1280, 'height': 1000})
    page.set_default_timeout(60_000)
    # and for assertions: sampling 20 steps takes about 5 s on 2 loaded cores, Playwright's default wait
    from playwright.sync_api import expect
    expect.set_options(timeout=60_000)
    yield page
    page.close()


def test_demo_widget(lab, page):
    from playwright.sync_api import expect
    page.goto(lab)
    expect(page.locator('.jp-Notebook .jp-Cell').first).to_be_visible(timeout=120_000)
    # the kernel has started (the status bar names it) and is idle: only then can Run All Cells use it
    expect(page.get_by_role('button', name=re.compile(r'^Python 3.*\| Idle$'))).to_be_visible(timeout=120_000)

    page.get_by_role('menuitem', name='Run', exact=True).click()
    page.get_by_role('menuitem', name='Run All Cells', exact=True).click()
    steps = page.locator('.widget-slider', has_text='steps T')
    expect(steps.locator('.widget-readout')).to_have_text('10', timeout=120_000)  # the widget rendered
    images = page.locator('.jp-Notebook .jp-OutputArea-output img')
    expect(images).to_have_count(0)  # nothing sampled yet

    page.get_by_role('button', name='Sample', exact=True).click()
    expect(page.get_by_text(re.compile(r'16 images, 10 steps'))).to_be_visible()
    expect(images).to_have_count(1)
    first = images.get_attribute('src')

    steps.locator('.noUi-handle').focus()
    page.keyboard.press('ArrowRight')  # the next T of T_GRID
    expect(steps.locator('.widget-readout')).to_have_text('20')
    page.get_by_role('button', name='Sample', exact=True).click()
    expect(page.get_by_text(re.compile(r'16 images, 20 steps'))).to_be_visible()
    expect(images).to_have_count(1)  # the new figure replaced the old one
    expect(images).not_to_have_attribute('src', first)
    assert page.evaluate('img => img.complete && img.naturalWidth', images.element_handle()) > 0
    (ROOT / 'screenshots').mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / 'screenshots' / 'lab_demo.png'))
