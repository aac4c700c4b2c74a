"""FashionMNIST on a machine without Debian's package (macOS, WSL, Colab): torchvision's download into megapix's cache, offline.

A local HTTP server on 127.0.0.1 stands in for torchvision's mirror. It serves the four `.gz` files of the copy this
machine has; Debian recompresses them, so their MD5 sums differ from torchvision's and the test mirror declares its
own (the library keeps torchvision's). Debian's copy (`MEGAPIX_DEBIAN_DATA`) and `MEGAPIX_DATA` are hidden and the
cache (`MEGAPIX_CACHE`) is a temp folder. `fashion_mnist()` in this process and `make data` in a fresh one, with
`apt-get` off PATH, must both end with the right arrays; with nothing to reach, `make data` fails in one line that names
the ways. The slow test does the same for `make demo` in a fresh clone.
"""
import functools, gzip, hashlib, os, shutil, socket, subprocess, sys, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from torchvision.datasets import FashionMNIST

from megapix.core import MegapixError
from megapix.data import FASHION_FILES, _idx_file, fashion_mnist, find_fashion_mnist, read_idx

ROOT = Path(__file__).resolve().parents[1]
GZ = [f'{stem}.gz' for pair in FASHION_FILES.values() for stem in pair]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address): pass   # torchvision's redirect check hangs up without reading


@pytest.fixture(scope='module')
def mirror(tmp_path_factory):
    "The four `.gz` files on http://127.0.0.1:PORT/: yields that URL and their (name, MD5) as torchvision's `resources` lists them"
    try: src = find_fashion_mnist(download=False)
    except MegapixError as e: pytest.skip(f'no FashionMNIST to serve: {e}')
    served = tmp_path_factory.mktemp('mirror')
    for name in GZ:
        f = _idx_file(src, name[:-3])
        (served / name).write_bytes(f.read_bytes() if f.suffix == '.gz' else gzip.compress(f.read_bytes(), 1))
    server = QuietServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_port}/', [(n, hashlib.md5((served / n).read_bytes()).hexdigest()) for n in GZ]
    server.shutdown(); server.server_close()


@pytest.fixture
def laptop(tmp_path, monkeypatch):
    "A machine with neither Debian's copy nor `MEGAPIX_DATA` and an empty cache: the cache's FashionMNIST folder"
    monkeypatch.delenv('MEGAPIX_DATA', raising=False)
    monkeypatch.setenv('MEGAPIX_DEBIAN_DATA', str(tmp_path / 'no-debian-package'))
    monkeypatch.setenv('MEGAPIX_CACHE', str(tmp_path / 'cache'))
    for k in ('no_proxy', 'NO_PROXY'): monkeypatch.setenv(k, '127.0.0.1')
    return tmp_path / 'cache' / 'fashion-mnist'


def check_test_split(images, labels):
    "FashionMNIST's test split (uint8 28x28), against values read once from the dataset's files, not by megapix"
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert labels[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert images[0, 14, 12:16].tolist() == [98, 136, 110, 109] and images[0, 20, 17] == 255 and int(images[0].sum()) == 33456


def dead_mirror() -> str:
    "The URL of a local port nothing listens on: a download from it fails at once"
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return f'http://127.0.0.1:{s.getsockname()[1]}/'


def test_fashion_mnist_downloads_on_first_use(mirror, laptop, monkeypatch, capsys):
    url, resources = mirror
    monkeypatch.setattr(FashionMNIST, 'mirrors', [url]); monkeypatch.setattr(FashionMNIST, 'resources', resources)
    test = fashion_mnist('test')
    out = capsys.readouterr()
    assert out.out == f'FashionMNIST: downloading it into {laptop} (30 MB, once)\n' and out.err == '', out
    assert sorted(p.name for p in laptop.parent.iterdir()) == ['fashion-mnist']        # no temp folder left behind
    assert sorted(p.name for p in laptop.iterdir()) == sorted(GZ)                       # the .gz files only
    assert test.images.shape == (10000, 1, 32, 32) and test.images[:, :, :2].sum() == 0  # padded by 2
    check_test_split(test.images[:, 0, 2:-2, 2:-2].numpy(), test.labels.numpy())
    assert len(fashion_mnist('train')) == 60000 and capsys.readouterr().out == ''       # found in the cache this time


def test_download_checks_checksums(mirror, laptop, monkeypatch, capsys):
    url, resources = mirror
    monkeypatch.setattr(FashionMNIST, 'mirrors', [url])
    monkeypatch.setattr(FashionMNIST, 'resources', [(n, '0' * 32) for n, _ in resources])   # none of the files matches
    with pytest.raises(MegapixError) as e: fashion_mnist('test')
    msg = str(e.value)
    assert '\n' not in msg and 'File not found or corrupted' in msg and 'dataset-fashion-mnist' in msg, msg
    assert not laptop.exists() and not any(laptop.parent.iterdir())


def without_apt(tmp_path) -> str:
    "A PATH holding every command of this one but apt-get and its kin"
    shim, seen = tmp_path / 'bin', set()
    if shim.exists(): return str(shim)
    shim.mkdir()
    for d in map(Path, os.environ['PATH'].split(os.pathsep)):
        for f in sorted(d.iterdir()) if d.is_dir() else []:
            if f.name in seen or f.name.startswith('apt') or not (f.is_file() and os.access(f, os.X_OK)): continue
            seen.add(f.name); (shim / f.name).symlink_to(f)
    return str(shim)


def machine(tmp_path, url, resources=None) -> dict:
    "The environment of a process started on `laptop` with apt-get off PATH, whose torchvision downloads FashionMNIST from `url`"
    site = tmp_path / 'site'
    site.mkdir(exist_ok=True)
    (site / 'sitecustomize.py').write_text('from torchvision.datasets import FashionMNIST\n'
                                           f'FashionMNIST.mirrors = {[url]!r}\n'
                                           + (f'FashionMNIST.resources = {resources!r}\n' if resources else ''))
    path = os.pathsep.join(filter(None, [str(site), os.environ.get('PYTHONPATH')]))
    return {**os.environ, 'PATH': without_apt(tmp_path), 'PYTHONPATH': path, 'OMP_NUM_THREADS': '1'}


def make(target, env, cwd=ROOT, timeout=300):
    return subprocess.run(['make', '-s', target], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def ours(stderr: str) -> list:
    "The lines of `stderr` that are not make's own report of a failed target"
    return [l for l in stderr.splitlines() if not l.startswith('make')]


def check_fails_in_one_line(r, laptop):
    assert r.returncode != 0 and len(ours(r.stderr)) == 1, r.stdout + r.stderr
    for way in ('apt-get install dataset-fashion-mnist', 'MEGAPIX_DATA', 'make data', str(laptop), 'failed'): assert way in r.stderr, way


def test_make_data_without_apt(mirror, laptop, tmp_path):
    assert shutil.which('apt-get', path=without_apt(tmp_path)) is None
    r = make('data', machine(tmp_path, *mirror))
    assert r.returncode == 0 and r.stdout == f'FashionMNIST: downloading it into {laptop} (30 MB, once)\n', r.stdout + r.stderr
    check_test_split(read_idx(laptop / 't10k-images-idx3-ubyte.gz'), read_idx(laptop / 't10k-labels-idx1-ubyte.gz'))
    assert read_idx(laptop / 'train-images-idx3-ubyte.gz').shape == (60000, 28, 28)
    again = make('data', machine(tmp_path, *mirror))
    assert again.returncode == 0 and again.stdout == '', again.stdout + again.stderr   # found: nothing to do


def test_make_data_offline_fails_in_one_line(laptop, tmp_path):
    check_fails_in_one_line(make('data', machine(tmp_path, dead_mirror())), laptop)


def thin_clone(tmp_path) -> Path:
    """A fresh clone of this repository with the working tree's uncommitted changes, whose `.venv` reuses this one's
    packages (a `.pth` file, no pip) with the clone's own `megapix` first: `make setup` finds it installed."""
    clone = tmp_path / 'megapix'
    subprocess.run(['git', 'clone', '-q', str(ROOT), str(clone)], check=True)
    git = lambda *a: subprocess.run(['git', *a, '-z'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split('\0')
    for f in filter(None, git('ls-files', '-m', '-o', '--exclude-standard')):
        if (ROOT / f).is_file(): (clone / f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT / f, clone / f)
    for f in filter(None, git('ls-files', '-d')): (clone / f).unlink(missing_ok=True)
    venv = clone / '.venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    site = next((venv / 'lib').glob('python3*/site-packages'))
    (site / 'reuse.pth').write_text(f"{clone}\n{next(Path(sys.prefix, 'lib').glob('python3*/site-packages'))}\n")
    (venv / 'bin' / 'megapix').write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom megapix.cli import main\nsys.exit(main())\n")
    (venv / 'bin' / 'megapix').chmod(0o755)
    (venv / '.megapix-installed').touch()
    where = subprocess.run([venv / 'bin' / 'python', '-c', 'import megapix; print(megapix.__file__)'], cwd=tmp_path, capture_output=True, text=True)
    assert where.stdout.strip() == str(clone / 'megapix' / '__init__.py'), where.stdout + where.stderr
    return clone


@pytest.mark.slow
def test_fresh_clone_make_demo_without_apt(mirror, laptop, tmp_path):
    clone = thin_clone(tmp_path)
    check_fails_in_one_line(make('demo', machine(tmp_path, dead_mirror()), clone), laptop)
    r = make('demo', machine(tmp_path, *mirror), clone, timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f'FashionMNIST: downloading it into {laptop} (30 MB, once)\n') and '(timings on' in r.stdout, r.stdout
    assert (clone / 'demo' / 'classifier.png').exists() and len(list((clone / 'demo').glob('*.png'))) > 3
