"""Run notebooks top to bottom and save their outputs (figures, tables) in place, honouring nbdev's cell flags.

`nbdev_test` runs notebooks but throws the outputs away, and `jupyter nbconvert --execute` would also run
`#| eval: false` cells (full-scale training). This runs exactly what `nbdev_test --flags slow` runs and keeps
the outputs the docs need; `make outputs` then runs `nbdev_clean` to strip the metadata. Figures are stored light
(`lighten`), so that a chapter stays under the 1 MB that tests/test_notebooks.py allows. Each cell is timed, and a
chapter's header line '- **Run time on a 2-core CPU:** ...' is rewritten with what this run measured: the cells that
`nbdev_test` runs by default, and all of them with the slow ones.
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
WIDGET = 'application/vnd.jupyter.widget-view+json'
CLEARED = re.compile(r'\x1b\[2K\r?')
RUN_TIME = re.compile(r'^(- )?\*\*Run time on a 2-core CPU:\*\*.*$', re.M)


def minutes(seconds: float) -> str: return f'{seconds:.0f} s' if seconds < 90 else f'{seconds / 60:.0f} min'


def write_run_time(nb, default: float, slow: float):
    "Put the measured run time into the header line that holds it (the notebook keeps its text otherwise)."
    line = (f"**Run time on a 2-core CPU:** about {minutes(default)}" +
            (f" ({minutes(default + slow)} with the slow cells)" if slow >= 1 else '') + ", as measured by `make outputs`")
    for c in nb.cells:
        if c.cell_type == 'markdown' and RUN_TIME.search(c.source):
            c.source = RUN_TIME.sub(lambda m: (m.group(1) or '') + line, c.source, count=1); return


PHOTO_COLOURS = 8192   # a figure with more distinct colours than this is a photograph
LARGE_PNG = 75_000     # bytes: a figure's PNG this large is stored at 60 % of its pixel size (the site shows it at half its pixels)


def lighten(output: dict) -> dict:
    """A figure stored lighter, flattened onto white: a photograph (over PHOTO_COLOURS colours) as JPEG, anything else
    (line plots, grey-level samples) as a PNG of 256 colours, which looks the same (over LARGE_PNG
    bytes, at 60 % of its pixel size); the original when that is smaller."""
    data = output.get('data', {})
    if 'image/png' not in data: return output
    raw = base64.b64decode(''.join(data['image/png']))
    im = Image.open(io.BytesIO(raw)).convert('RGBA')
    flat = Image.new('RGB', im.size, 'white'); flat.paste(im, mask=im)
    buf, photo = io.BytesIO(), flat.getcolors(PHOTO_COLOURS) is None
    if photo: flat.save(buf, 'jpeg', quality=85)
    else: flat.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, 'png', optimize=True)
    if not photo and buf.tell() > LARGE_PNG:   # grey-level noise (a sampler's first steps) hardly compresses: fewer pixels
        flat = flat.resize((round(flat.width * 0.6), round(flat.height * 0.6)), Image.Resampling.LANCZOS)
        buf = io.BytesIO(); flat.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, 'png', optimize=True)
    if buf.tell() >= len(raw): return output
    key, meta = ('image/jpeg' if photo else 'image/png'), output.get('metadata', {})
    data = {**{k: v for k, v in data.items() if k != 'image/png'}, key: base64.b64encode(buf.getvalue()).decode()}
    if 'image/png' in meta: meta = {**{k: v for k, v in meta.items() if k != 'image/png'}, key: meta['image/png']}
    return {**output, 'data': data, 'metadata': meta}


def visible(output: dict) -> bool:
    """False for what a page without a kernel cannot show: a widget (its text is only `VBox(children=...)`), and the terminal
    codes alone that a widget's clear_output prints."""
    if WIDGET in output.get('data', {}): return False
    return not (output.get('output_type') == 'stream' and not CONTROL.sub('', ''.join(output.get('text', ''))))


def hidden(cell) -> bool:
    "A `#| hide` cell: the site never shows it, so its outputs (a test's figures) are not kept."
    return 'hide' in extract_directives(cell, remove=False)


def tidy(output: dict) -> dict:
    "A stream without the line-clearing codes that `clear_output` prints before the text that follows it."
    if output.get('output_type') != 'stream': return output
    return {**output, 'text': CLEARED.sub('', ''.join(output.get('text', '')))}


def execute(path, flags=('slow',)):
    path = Path(path).resolve()
    nb, skipped = read_nb(path), set(get_config().tst_flags.split()) - set(flags)
    def skip(cell):  # the cells nbdev_test skips
        if cell.cell_type != 'code': return True
        d = extract_directives(cell, remove=False)
        return d.get('eval:', [''])[0].lower() == 'false' or bool(skipped & d.keys())
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = []
    start, spent, began = time.time(), {False: 0., True: 0.}, [0.]   # seconds of the default cells, and of the slow ones
    def begin(cell):
        began[0] = time.time(); return skip(cell)
    def end(cell): spent['slow' in extract_directives(cell, remove=False)] += time.time() - began[0]
    with working_directory(path.parent): CaptureShell(path).run_all(nb, exc_stop=True, preproc=begin, postproc=end)
    write_run_time(nb, spent[False], spent[True])
    for c in nb.cells:  # the docs show what a reader can see without a kernel: figures and text, not live widgets
        if c.cell_type == 'code': c.outputs = [lighten(tidy(o)) for o in c.outputs if visible(o) and not hidden(c)]
    write_nb(nb, path)
    print(f'{path.name}: {time.time() - start:.0f} s')


if __name__ == '__main__':
    os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    for p in sys.argv[1:]: execute(p)
