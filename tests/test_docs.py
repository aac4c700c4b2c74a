"""The docs site (`make docs`, tools/build_docs.py) as a reader sees it, in headless Chromium.

Every page of nbs/sidebar.yml: HTTP 200, no console error, nothing fetched from outside the site, its
figures loaded, its math typeset by the bundled MathJax (no raw $$, no TeX error), an API reference for a
module's notebook; every sidebar link resolves; no page names a remote script or style sheet. Screenshots of
the home page and the DDPM chapter go to screenshots/. Debian's chromium is driven by Playwright (never
`playwright install`): `make browser` installs it.
"""
import json, re, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from build_docs import clean, module_of, sidebar  # noqa: E402

pytestmark = pytest.mark.slow
PAGES = [stem for _, stems in sidebar() for stem in stems]


def read(stem): return json.loads((ROOT / 'nbs' / f'{stem}.ipynb').read_text())
def notebook(stem): return [c for c in map(clean, read(stem)['cells']) if c]  # the cells the docs show


def n_figures(stem):  # matplotlib figures (PNG) and photographs shown as JPEG
    return sum(any(k in o.get('data', {}) for k in ('image/png', 'image/jpeg')) for c in notebook(stem) for o in c.get('outputs', []))
def has_math(stem):  # $$ or $...$ on one line ($MEGAPIX_DATA alone is not math)
    math = re.compile(r'\$\$|\$[^$\s][^$\n]*\$')
    return any(c['cell_type'] == 'markdown' and math.search(''.join(c['source'])) for c in notebook(stem))


@pytest.fixture(scope='session')
def site():
    "Build _site/ (what `make docs` runs) and serve it on a free local port"
    subprocess.run([sys.executable, 'tools/build_docs.py'], cwd=ROOT, check=True)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1',
                               '--directory', str(ROOT / '_site')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}/'
    for _ in range(100):
        try: urllib.request.urlopen(url); break
        except OSError: time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(10)


@pytest.mark.parametrize('stem', PAGES)
def test_page(site, browser, stem):
    page = browser.new_page(viewport={'width': 1280, 'height': 1600})
    errors, outside = [], []
    page.on('console', lambda m: m.type == 'error' and errors.append(f"{m.text} ({m.location['url']})"))
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.on('request', lambda r: r.url.startswith((site, 'data:')) or outside.append(r.url))
    resp = page.goto(site + f'{stem}.html', wait_until='load')
    assert resp.status == 200
    if has_math(stem):
        page.wait_for_function('window.MathJax && MathJax.startup && MathJax.startup.promise')
        page.evaluate('MathJax.startup.promise.then(() => true)')
        assert page.locator('mjx-container').count() > 0, 'no math typeset'
        assert page.locator('mjx-merror').count() == 0, 'TeX errors'
        text = page.evaluate("[...document.querySelectorAll('article p, article li, article td')]"
                             ".map(e => e.innerText).join(' ')")
        assert '$$' not in text, 'raw $$ left in the text'
    figures = page.eval_on_selector_all('.cell_output img', 'els => els.map(e => e.complete && e.naturalWidth)')
    assert len(figures) == n_figures(stem) and all(figures), f'figures {figures}, notebook has {n_figures(stem)}'
    if module_of(read(stem)): assert page.locator('dl.py').count() > 0, 'no API reference'
    if stem in ('index', '10_ddpm'):
        (ROOT / 'screenshots').mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / 'screenshots' / f'{stem}.png'))
    page.close()
    assert not errors, errors
    assert not outside, f'fetched from outside the site: {outside}'


def test_sidebar_links(site, browser):
    page = browser.new_page()
    page.goto(site)
    links = page.eval_on_selector_all('nav.bd-docs-nav a', 'els => els.map(e => e.href)')
    page.close()
    assert [l.split('#')[0][len(site):].removesuffix('.html') for l in links] == [s for s in PAGES if s != 'index']
    for link in links: assert urllib.request.urlopen(link).status == 200, link


def test_no_remote_assets(site):
    remote = re.compile(r'<(?:script|link)[^>]*(?:src|href)="(?:https?:)?//[^"]*"')
    found = {p.name: remote.findall(p.read_text()) for p in (ROOT / '_site').rglob('*.html')}
    assert not any(found.values()), {k: v for k, v in found.items() if v}
