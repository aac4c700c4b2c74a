"""The package installed from its wheel, as a user gets it from pip: it reads its shipped weights and results and never writes into
itself; `megapix sample`, `eval` and `export` write to the user's folder (MEGAPIX_HOME), where exported weights are found by name."""
import json, os, shutil, site, stat, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ('setup.py', 'settings.ini', 'pyproject.toml', 'README.md', 'megapix')


def snapshot(folder: Path) -> dict:
    "Every file under `folder` with its size and modification time."
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob('*')}


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "A fresh venv with the wheel built from this tree (no dependencies: torch and the rest come from this venv, appended to its path), its site-packages read-only."
    tmp = tmp_path_factory.mktemp('install')
    src = tmp / 'src'; src.mkdir()
    for name in SOURCES: (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, src / name)
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check', '-q']
    subprocess.run([*pip, 'wheel', '--no-deps', '--no-build-isolation', '-w', str(tmp / 'dist'), str(src)], check=True, capture_output=True)
    venv = tmp / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    py = venv / 'bin' / 'python'
    subprocess.run([*pip, '--python', str(py), 'install', '--no-deps', '--no-index', *map(str, (tmp / 'dist').glob('*.whl'))], check=True, capture_output=True)
    packages = Path(subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'], capture_output=True, text=True).stdout.strip())
    (packages / 'dependencies.pth').write_text(site.getsitepackages()[0] + '\n')   # a path line: this venv's .pth files (its editable megapix) stay unread
    pkg = packages / 'megapix'
    for p in [pkg, *pkg.rglob('*')]: p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    home, work = tmp / 'home', tmp / 'work'; work.mkdir()
    env = {**os.environ, 'MEGAPIX_HOME': str(home), 'PYTHONDONTWRITEBYTECODE': '1', 'OMP_NUM_THREADS': '1'}
    env.pop('PYTHONPATH', None)
    def megapix(*args):
        r = subprocess.run([str(venv / 'bin' / 'megapix'), *args], capture_output=True, text=True, cwd=work, env=env, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        return r
    yield pkg, home, work, megapix
    for p in [pkg, *pkg.rglob('*')]: p.chmod(p.stat().st_mode | stat.S_IWUSR)   # so pytest can clean up


@pytest.mark.slow
def test_an_installed_package_writes_to_the_user_folder_and_never_into_itself(installed):
    pkg, home, work, megapix = installed
    before = snapshot(pkg)
    assert 'weights/fashion-classifier/model.safetensors' in before and 'results/classifier.json' in before   # shipped
    assert not os.access(pkg, os.W_OK) or os.geteuid() == 0   # read-only (root ignores the mode: the snapshot below is the proof)
    megapix('sample', 'ddpm', '--n', '4', '--steps', '2', '--out', 'ddpm.png')   # the shipped weights, read from the package
    assert (work / 'ddpm.png').exists()
    first = megapix('eval', 'classifier', '--n', '64')
    assert first.stderr.count('MEGAPIX_HOME') == 1 and str(home / 'results') in first.stderr, first.stderr   # said once, the first time
    assert json.loads((home / 'results' / 'classifier.json').read_text())['weights'] == 'fashion-classifier'
    megapix('train', 'classifier', '--preset', 'tiny', '--iters', '2', '--out', 'run', '--quiet')
    exported = megapix('export', 'run', 'my-classifier')
    assert (home / 'weights' / 'my-classifier' / 'model.safetensors').exists(), exported.stdout
    assert 'MEGAPIX_HOME' in exported.stderr and 'MEGAPIX_HOME' not in megapix('list').stderr   # weights' folder said once too
    assert 'my-classifier' in megapix('list').stdout                                            # found by name,
    megapix('eval', 'classifier', '--ckpt', 'my-classifier', '--n', '64', '--out', 'mine.json')  # and read from the user's folder
    assert json.loads((work / 'mine.json').read_text())['weights'] == 'my-classifier'
    assert snapshot(pkg) == before, 'the installed package was written to'
