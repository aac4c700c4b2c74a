"""Run notebooks top to bottom and save their outputs (figures, tables) in place, honouring nbdev's cell flags.

`nbdev_test` runs notebooks but throws the outputs away, and `jupyter nbconvert --execute` would also run
`#| eval: false` cells (full-scale training). This runs exactly what `nbdev_test --flags slow` runs and keeps
the outputs the docs need; `make outputs` then runs `nbdev_clean` to strip the metadata. Figures are stored light
(`lighten`), so that a chapter stays under the 1 MB that tests/test_notebooks.py allows.
Usage: python tools/execute_notebooks.py nbs/10_ddpm.ipynb ...
"""
import base64, io, os, re, sys, time
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import extract_directives
from PIL import Image

CONTROL = re.compile(r'\x1b\[[0-9;]*[A-Za-z]|[\r\n]')


PHOTO_COLOURS = 8192   # a figure with more distinct colours than this is a photograph


def lighten(output: dict) -> dict:
    """A figure stored lighter, flattened onto white: a photograph (over PHOTO_COLOURS colours) as JPEG, anything else
    (line plots, grey-level samples) as a PNG of 256 colours, which looks the same; the original when that is smaller."""
    data = output.get('data', {})
    if 'image/png' not in data: return output
    raw = base64.b64decode(''.join(data['image/png']))
    im = Image.open(io.BytesIO(raw)).convert('RGBA')
    flat = Image.new('RGB', im.size, 'white'); flat.paste(im, mask=im)
    buf, photo = io.BytesIO(), flat.getcolors(PHOTO_COLOURS) is None
    if photo: flat.save(buf, 'jpeg', quality=85)
    else: flat.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, 'png', optimize=True)
    if buf.tell() >= len(raw): return output
    key, meta = ('image/jpeg' if photo else 'image/png'), output.get('metadata', {})
    data = {**{k: v for k, v in data.items() if k != 'image/png'}, key: base64.b64encode(buf.getvalue()).decode()}
    if 'image/png' in meta: meta = {**{k: v for k, v in meta.items() if k != 'image/png'}, key: meta['image/png']}
    return {**output, 'data': data, 'metadata': meta}


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
        if c.cell_type == 'code': c.outputs = [lighten(o) for o in c.outputs if not (o.get('output_type') == 'stream' and not CONTROL.sub('', ''.join(o.text)))]
    write_nb(nb, path)
    print(f'{path.name}: {time.time() - start:.0f} s')


if __name__ == '__main__':
    os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    for p in sys.argv[1:]: execute(p)
