"""Build the docs site into _site/ from the notebooks' saved outputs (nothing is executed): `make docs`.

Why Sphinx + myst-nb: nbdev_docs needs Quarto, which these machines cannot install. Tried here:
- Jupyter Book 2 is a Node app that downloads its site theme at build time: fails offline.
- mkdocs-material + mkdocs-jupyter renders the notebooks, but its math needs MathJax from a CDN
  (or a hand-copied bundle) and the API pages need yet another plugin.
- Sphinx + myst-nb (what Jupyter Book 1 wraps) renders saved outputs as they are (PNG figures, tables),
  $...$ and $$...$$ math, and autodoc gives the API reference from the docstrings; sphinx-mathjax-offline
  copies MathJax 3 from its wheel into _static/, so the pages load no script or style from the network.
The page order comes from nbs/sidebar.yml (index.ipynb is the home page). Notebooks are copied to a temporary
folder and adjusted there: cells marked `#| hide`/`#| default_exp`/`#| include: false` are dropped, other
`#| ...` lines are stripped from the code shown (`#| export` code is the course, so it stays), and each module's
notebook gets an "API reference" section.
Usage: python tools/build_docs.py [OUT]   (OUT defaults to _site)
"""
import json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
DIRECTIVE = re.compile(r'^#\|\s*([\w-]+):?\s*(.*)$')

CONF = '''
project = "megapix"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx-mathjax-offline"]
nb_execution_mode = "off"                      # saved outputs only
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "sphinx_book_theme"
html_title = "megapix"
html_favicon = "favicon.svg"                   # else browsers log a 404 for /favicon.ico
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {"show_toc_level": 2}
html_context = {"default_mode": "auto"}        # unset, the theme logs a console error
autodoc_member_order = "bysource"
suppress_warnings = ["myst.header"]
'''
FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
           'fill="#2c5282"/><text x="8" y="12" font-size="11" text-anchor="middle" fill="#fff">m</text></svg>')


def sidebar():
    "[(section caption or None, [notebook stems])] in nbs/sidebar.yml's order"
    def files(items):
        for it in items:
            if isinstance(it, str): yield str(Path(it).with_suffix(''))   # 'solutions/10_ddpm' for a page in a subfolder
            else: yield from files(it.get('contents', []))
    items = yaml.safe_load((NBS / 'sidebar.yml').read_text())['website']['sidebar']['contents']
    return [(None, list(files([it]))) if isinstance(it, str) else (it.get('section'), list(files(it['contents']))) for it in items]


def toctree(caption, stems):
    "The home page's hidden MyST toctree for one sidebar section"
    return md('```{toctree}\n:hidden:\n' + (f':caption: {caption}\n' if caption else '') + '\n'
              + '\n'.join(s for s in stems if s != 'index') + '\n```')


IMPORT = re.compile(r'^\s*(?:from \S+ )?import \S|^\s*$|^\s*#')


def clean(cell):
    "The cell as the docs show it, or None to drop it (an import cell too: a page starts with its lesson, not its imports)"
    if cell['cell_type'] != 'code': return cell
    src = ''.join(cell['source']).splitlines()
    bare = re.sub(r'\([^)]*\)', '()', '\n'.join(src)).splitlines()   # an import continued in parentheses is one line
    if all(IMPORT.match(l) for l in bare) and not cell.get('outputs'): return None
    d = {m[1]: m[2].strip().lower() for m in map(DIRECTIVE.match, src) if m}
    if 'hide' in d or 'default_exp' in d or d.get('include') == 'false': return None
    cell['source'] = '\n'.join(l for l in src if not DIRECTIVE.match(l)).strip()
    tags = cell.setdefault('metadata', {}).setdefault('tags', [])
    if d.get('echo') == 'false': tags.append('remove-input')
    if d.get('output') == 'false': tags.append('remove-output')
    return cell if cell['source'] or cell.get('outputs') else None


def module_of(nb):
    for c in nb['cells']:
        for l in ''.join(c['source']).splitlines():
            m = DIRECTIVE.match(l)
            if m and m[1] == 'default_exp': return m[2].strip()


def md(text): return {'cell_type': 'markdown', 'metadata': {}, 'source': text}


def stage(src):
    "Copy the notebooks (and the exercises' solutions, in solutions/) into src/, adjusted for the docs"
    (src / 'solutions').mkdir(exist_ok=True)
    for path in sorted(NBS.glob('*.ipynb')) + sorted(NBS.glob('solutions/*.ipynb')):
        nb = json.loads(path.read_text())
        mod = module_of(nb)
        nb['cells'] = [c for c in map(clean, nb['cells']) if c]
        if mod: nb['cells'].append(md(f'## API reference: `megapix.{mod}`\n\n'
                                      f'```{{eval-rst}}\n.. automodule:: megapix.{mod}\n   :members:\n```'))
        if path.stem == 'index': nb['cells'] += [toctree(*sec) for sec in sidebar() if sec[1] != ['index']]
        for i, c in enumerate(nb['cells']): c.setdefault('id', f'docs-{i}')  # nbformat 4.5 wants ids
        (src / path.relative_to(NBS)).write_text(json.dumps(nb))


def main(out='_site'):
    out = ROOT / out
    with tempfile.TemporaryDirectory() as tmp:  # myst-nb writes jupyter_execute/ beside the html folder
        src, html = Path(tmp) / 'src', Path(tmp) / 'html'
        src.mkdir()
        stage(src)
        (src / 'conf.py').write_text(CONF)
        (src / 'favicon.svg').write_text(FAVICON)
        subprocess.run([sys.executable, '-m', 'sphinx', '-q', '-b', 'html', '-d', str(Path(tmp) / 'doctrees'),
                        str(src), str(html)], check=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.move(html, out)
    print(f'docs in {out}/index.html')


if __name__ == '__main__': main(*sys.argv[1:])
