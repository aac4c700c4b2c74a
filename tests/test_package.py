"""The package as a user gets it: importable in a fresh process, with no notebook globals and no heavy optional imports."""
import json, subprocess, sys
from pathlib import Path

import megapix

MODULES = sorted(p.stem for p in Path(megapix.__file__).parent.glob('*.py') if not p.stem.startswith('_'))  # new chapters included


def test_every_module_imports_in_a_fresh_process():
    code = ('import sys, megapix; ' + '; '.join(f'import megapix.{m}' for m in MODULES) +
            "; print(__import__('json').dumps(['ipywidgets' in sys.modules, megapix.__version__]))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd='/')
    assert r.returncode == 0, r.stderr
    widgets, version = json.loads(r.stdout)
    assert not widgets and version


def test_exported_code_names_no_notebook_global():
    """Compile each module and check every global name it reads is defined in it (or a builtin)."""
    import builtins, importlib, symtable
    for m in MODULES:
        mod = importlib.import_module(f'megapix.{m}')
        src = open(mod.__file__).read()
        defined = set(vars(mod)) | set(dir(builtins))
        def walk(t):
            for s in t.get_symbols():
                if (s.is_global() or (t.get_type() == 'module' and s.is_referenced())) and not s.is_assigned() and not s.is_imported():
                    assert s.get_name() in defined, f'megapix/{m}.py reads undefined global {s.get_name()!r}'
            for c in t.get_children(): walk(c)
        walk(symtable.symtable(src, mod.__file__, 'exec'))


def test_console_script_help():
    from pathlib import Path
    script = Path(sys.executable).parent / 'megapix'
    assert script.exists(), 'the megapix console script is not installed'
    r = subprocess.run([str(script), '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and all(c in r.stdout for c in ('train', 'sample', 'eval', 'export', 'demo'))
