"""The notebooks as the docs site shows them: light enough to load, and no results table printed as raw pipe text.

A results table belongs in a rendered output (`megapix.core.show_table`: HTML and markdown), which wraps to the page;
printed as pipe text it sits in a fixed-width output block and runs off the right edge. Each notebook is its own case,
so `-k 'not 21_ddgan'` leaves one out.
"""
import json, re
from pathlib import Path

import pytest

NBS = sorted((Path(__file__).resolve().parents[1] / 'nbs').glob('*.ipynb'))
MAX_BYTES = 1_000_000
SEPARATOR = re.compile(r'^\s*\|(\s*:?-{3,}:?\s*\|)*\s*:?-{3,}:?\s*\|?\s*$')   # |---|---:| or | --- | ---
RICH = ('text/html', 'text/markdown')


def pipe_table(text: str) -> bool:
    "Does `text` hold a markdown table: a line starting with '|' followed by a separator line?"
    lines = text.splitlines()
    return any(a.lstrip().startswith('|') and SEPARATOR.match(b) for a, b in zip(lines, lines[1:]))


def plain_texts(output: dict):
    "The text an output shows as is: a stream, or text/plain when nothing richer comes with it."
    if output.get('output_type') == 'stream': yield ''.join(output.get('text', ''))
    data = output.get('data', {})
    if 'text/plain' in data and not any(k in data for k in RICH): yield ''.join(data['text/plain'])


def test_pipe_table_detector():
    assert pipe_table('| a | b |\n|---|---:|\n| 1 | 2 |') and pipe_table('x\n| a |\n| --- |')
    assert not pipe_table('a | b\nc | d') and not pipe_table('| a |\n| b |') and not pipe_table('----\n|---|')
    assert pipe_table('| a | b\n| --- | ---')


@pytest.mark.parametrize('nb', NBS, ids=[p.stem for p in NBS])
def test_notebook_size(nb):
    size = nb.stat().st_size
    assert size <= MAX_BYTES, f'{nb.name} is {size:,} bytes (limit {MAX_BYTES:,}): smaller figures, fewer samples per grid, JPEG for photographs'


@pytest.mark.parametrize('nb', NBS, ids=[p.stem for p in NBS])
def test_no_pipe_table_printed(nb):
    bad = []
    for i, cell in enumerate(json.loads(nb.read_text())['cells']):
        if cell['cell_type'] != 'code': continue
        if any(pipe_table(t) for o in cell.get('outputs', []) for t in plain_texts(o)):
            first = ''.join(cell['source']).strip().splitlines()[0][:60] if cell['source'] else ''
            bad.append(f"cell {i} (id {cell.get('id')}, {first!r})")
    assert not bad, f"{nb.name}: a results table printed as pipe text in " + '; '.join(bad) + ': show it with megapix.core.show_table'
