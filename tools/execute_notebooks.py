"""Run notebooks top to bottom and save their outputs (figures, tables) in place, honouring nbdev's cell flags.

`nbdev_test` runs notebooks but throws the outputs away, and `jupyter nbconvert --execute` would also run
`#| eval: false` cells (full-scale training). This runs exactly what `nbdev_test --flags slow` runs and keeps
the outputs the docs need; `make outputs` then runs `nbdev_clean` to strip the metadata.
Usage: python tools/execute_notebooks.py nbs/10_ddpm.ipynb ...
"""
import os, re, sys, time
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import extract_directives

CONTROL = re.compile(r'\x1b\[[0-9;]*[A-Za-z]|[\r\n]')


def execute(path, flags=('slow',)):
    path = Path(path).resolve()
    nb, skipped = read_nb(path), set(get_config().tst_flags.split()) - set(flags)
    def skip(cell):  # the cells nbdev_test skips
        if cell.cell_type != 'code': return True
        d = extract_directives(cell, remove=False)
        return d.get('eval:', [''])[0].lower() == 'false' or bool(skipped & d.keys())
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = []
    start = time.time()
    with working_directory(path.parent): CaptureShell(path).run_all(nb, exc_stop=True, preproc=skip)
    for c in nb.cells:  # a widget's clear_output without a front end prints only terminal codes: keep them out of the docs
        if c.cell_type == 'code': c.outputs = [o for o in c.outputs if not (o.get('output_type') == 'stream' and not CONTROL.sub('', ''.join(o.text)))]
    write_nb(nb, path)
    print(f'{path.name}: {time.time() - start:.0f} s')


if __name__ == '__main__':
    os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    for p in sys.argv[1:]: execute(p)
