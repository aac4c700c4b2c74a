"""Every chapter reads as a lecture: a header (what it teaches, builds on, loads, how long it runs), a lesson in cells a
reader can take in, a close ("What you learned"), exercises (at least two that check themselves), and prose in the
course's own terms. The history of the shipped weights goes to the chapter's appendix.
"""
import json, re
from pathlib import Path

import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
CHAPTERS = ['10_ddpm', '10a_unet', '20_fgan', '21_ddgan', '30_vqgan', '40_hourglass', '50_sundae', '60_megapixel']
ALL = sorted(p.stem for p in NBS.glob('*.ipynb'))
APPENDIX = re.compile(r'^## Appendix', re.M)
MAX_LINES = 40
SHORTER = {'21_ddgan': 4411, '50_sundae': 5717}   # words of prose before the chapters became lectures: now at least 40 % fewer

# words about how the course was made, which mean nothing to a student (LaTeX's \bar is not a bar)
PRODUCTION = [r'\bissues?\b', r'\bsessions?\b', r'(?<![\\])(?<!progress )(?<!error )\bbars?\b(?! chart)', r'repository budget',
              r'\b(?:our|this) machines?\b', r'\+dirty', r'scratch script', r'we looked at every one']
# stored outputs a reader should not see: warnings, temporary folders, caches, widgets without a front end
NOISE = [r'Warning\b', r'^W\d{4} ', r'/tmp/', r'/root/\.cache', r'\bVBox\(children=']


def cells(stem): return json.loads((NBS / f'{stem}.ipynb').read_text())['cells']
def text(cell): return ''.join(cell['source'])
def markdown(stem): return [text(c) for c in cells(stem) if c['cell_type'] == 'markdown']


def sections(stem):
    "The chapter split at its closing headings: {'lesson', 'learned', 'exercises', 'appendix'} -> cells."
    out, part = {'lesson': [], 'learned': [], 'exercises': [], 'appendix': []}, 'lesson'
    for c in cells(stem):
        s = text(c)
        if c['cell_type'] == 'markdown':
            if s.startswith('## What you learned'): part = 'learned'
            elif s.startswith('## Exercises'): part = 'exercises'
            elif APPENDIX.search(s): part = 'appendix'
        out[part].append(c)
    return out


def words(cs): return sum(len(text(c).split()) for c in cs if c['cell_type'] == 'markdown')


@pytest.mark.parametrize('stem', ALL)
def test_no_production_words(stem):
    found = [f"{m.group(0)!r} in {s.strip().splitlines()[0][:50]!r}" for s in markdown(stem) for p in PRODUCTION
             for m in re.finditer(p, s, re.I)]
    assert not found, f"{stem}: speak of the subject, not of how the course was made: " + '; '.join(found[:6])


@pytest.mark.parametrize('stem', ALL)
def test_no_noise_in_outputs(stem):
    found = []
    for i, c in enumerate(cells(stem)):
        for o in c.get('outputs', []):
            shown = ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) if 'text/html' not in o.get('data', {}) else ''
            found += [f"cell {i}: {m.group(0)!r}" for p in NOISE for m in re.finditer(p, shown, re.M)]
    assert not found, f"{stem}: stored outputs a reader should not see: " + '; '.join(found[:6])


@pytest.mark.parametrize('stem', CHAPTERS)
def test_code_cells_are_short(stem):
    long = [f"cell {i} ({len(text(c).splitlines())} lines: {text(c).splitlines()[0][:40]!r})" for i, c in enumerate(cells(stem))
            if c['cell_type'] == 'code' and len(text(c).splitlines()) > MAX_LINES]
    assert not long, f"{stem}: code cells over {MAX_LINES} lines, split them: " + '; '.join(long)


@pytest.mark.parametrize('stem', CHAPTERS)
def test_header(stem):
    head = '\n'.join(markdown(stem)[:3])
    for item in ('You will learn', 'Builds on', 'Loads'):
        assert f'**{item}' in head, f"{stem}: the header (the first markdown cells) says what the chapter teaches: '**{item}...' is missing"
    assert re.search(r'\*\*Run time on a 2-core CPU:\*\* about \d', head), \
        f"{stem}: the header gives the run time that `make outputs` measures and writes ('**Run time on a 2-core CPU:** about ...')"


@pytest.mark.parametrize('stem', CHAPTERS)
def test_what_you_learned(stem):
    close = sections(stem)['learned']
    assert close, f"{stem}: no '## What you learned' section"
    bullets = [l for c in close for l in text(c).splitlines() if re.match(r'^[-*] ', l)]
    assert 1 <= len(bullets) <= 6, f"{stem}: 'What you learned' has {len(bullets)} bullets (1 to 6)"


@pytest.mark.parametrize('stem', CHAPTERS)
def test_exercises(stem):
    ex = sections(stem)['exercises']
    n = sum(len(re.findall(r'^### Exercise \d', text(c), re.M)) for c in ex if c['cell_type'] == 'markdown')
    checks = sum(bool(re.search(r'\bcheck\(', text(c))) for c in ex if c['cell_type'] == 'code')
    assert n >= 3, f"{stem}: {n} exercises ('### Exercise N: ...' under '## Exercises'), need at least 3"
    assert checks >= 2, f"{stem}: {checks} self-checking exercises (a code cell calling check(...)), need at least 2"
    assert any('solutions/' in text(c) for c in ex), f"{stem}: the exercises link their solutions (nbs/solutions/)"
    assert (NBS / 'solutions' / f'{stem}.ipynb').exists(), f"{stem}: no nbs/solutions/{stem}.ipynb"


@pytest.mark.parametrize('stem', sorted(SHORTER))
def test_lesson_shorter(stem):
    s = sections(stem)
    lesson = words(s['lesson']) + words(s['learned'])
    assert lesson <= 0.6 * SHORTER[stem], f"{stem}: the lesson has {lesson} words of prose, at most {0.6 * SHORTER[stem]:.0f} (history belongs in the appendix)"


def test_every_exercise_is_proven():
    "Each registered exercise is asked in a chapter, and its solutions notebook checks a right and a wrong answer with it."
    from megapix.exercises import EXERCISES
    asked = '\n'.join(text(c) for stem in CHAPTERS for c in cells(stem) if c['cell_type'] == 'code')
    solved = {p.stem: '\n'.join(text(c) for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code')
              for p in (NBS / 'solutions').glob('*.ipynb')}
    for name in EXERCISES:
        assert f"check('{name}'" in asked, f"exercise {name!r} is registered but no chapter asks it"
        proofs = [stem for stem, code in solved.items() if f"check('{name}'" in code and 'assert not v' in code]
        assert proofs, f"exercise {name!r}: no solutions notebook checks a wrong answer with it (`v = check(...); assert not v and ...`)"


TRAINED = ['10_ddpm', '21_ddgan', '30_vqgan', '40_hourglass', '50_sundae']
RAN = re.compile(r'(\d[\d,]*) (?:iterations|steps)\b[^\n]*? in (\d+(?:\.\d+)?) (s|min)\b')


@pytest.mark.parametrize('stem', TRAINED)
def test_watch_it_learn(stem):
    "A model learns in front of the student: a live run of at most two minutes whose stored output is its figure and its time."
    cs = cells(stem)
    at = next((i for i, c in enumerate(cs) if c['cell_type'] == 'markdown' and text(c).startswith('## Watch it learn')), None)
    assert at is not None, f"{stem}: no '## Watch it learn' section"
    live = next((c for c in cs[at:] if c['cell_type'] == 'code' and 'LiveCB' in text(c)), None)
    assert live, f"{stem}: 'Watch it learn' has no cell that trains with LiveCB"
    outs = live.get('outputs', [])
    assert any('image/png' in o.get('data', {}) for o in outs), f"{stem}: the live run's stored output has no figure (run `make outputs`)"
    printed = ''.join(''.join(o.get('text', '')) for o in outs)
    m = RAN.search(printed)
    assert m, f"{stem}: the live run prints 'N iterations in X s' (or min), found {printed.strip()[:80]!r}"
    seconds = float(m.group(2)) * (60 if m.group(3) == 'min' else 1)
    assert seconds <= 120, f"{stem}: the live run took {seconds:.0f} s, at most two minutes on a 2-core CPU"
