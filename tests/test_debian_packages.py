"Tests that need a Debian package (the browser tests: chromium) skip in one line outside CI and fail under CI=true."
import pytest
from conftest import needs_debian


def test_needs_debian_skips_outside_ci(monkeypatch):
    monkeypatch.delenv('CI', raising=False)
    with pytest.raises(pytest.skip.Exception) as e: needs_debian('chromium', '/usr/bin/chromium')
    assert str(e.value) == "/usr/bin/chromium missing: install Debian's chromium package (sudo apt-get install chromium)"


def test_needs_debian_fails_under_ci(monkeypatch):
    monkeypatch.setenv('CI', 'true')
    with pytest.raises(pytest.fail.Exception) as e: needs_debian('chromium', '/usr/bin/chromium')
    assert str(e.value).startswith('CI=true, so this test must run: /usr/bin/chromium missing') and '\n' not in str(e.value)
