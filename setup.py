"""Package metadata comes from settings.ini (nbdev 2 convention)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    license='Apache-2.0',
    python_requires='>=' + cfg['min_python'],
    packages=setuptools.find_packages(include=['megapix', 'megapix.*']),
    include_package_data=True,
    package_data={'megapix': ['weights/*/*', 'weights/*.json', 'results/*']},
    install_requires=cfg['requirements'].split(),
    entry_points={'console_scripts': [cfg['console_scripts']], 'nbdev': ['megapix=megapix._modidx:d']},
    zip_safe=False,
)
