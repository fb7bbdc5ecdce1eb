"""Static files in production: every source map a vendored file points to is in the repository,
and `collectstatic` with DEBUG off (WhiteNoise's compressed manifest storage) succeeds and keeps
those references pointing at the collected, hashed maps."""
import json
import re
from pathlib import Path

from portal.tests.test_deploy_check import BASE_DIR, manage, production_env

STATIC = BASE_DIR / "static"
SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=(?P<url>[^\s*]+)")


def source_map_references():
    for path in sorted(STATIC.rglob("*")):
        if path.suffix in {".js", ".css", ".mjs"}:
            for match in SOURCE_MAP.finditer(path.read_text(encoding="utf-8", errors="replace")):
                yield path, match["url"]


def test_every_source_map_reference_points_to_a_file_in_the_repository():
    references = list(source_map_references())
    assert references, "the vendored Bootstrap files reference their maps"
    for path, url in references:
        assert not url.startswith(("http:", "https:", "//")), f"{path} loads {url} from elsewhere"
        assert (path.parent / url).is_file(), f"{path.relative_to(BASE_DIR)} points to missing {url}"


def test_collectstatic_succeeds_with_debug_off(tmp_path):
    env = production_env(tmp_path)
    result = manage(env, "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stdout + result.stderr
    root = Path(env["STATIC_ROOT"])
    paths = json.loads((root / "staticfiles.json").read_text())["paths"]
    css = paths["vendor/bootstrap-5.3.9/bootstrap.min.css"]
    js = paths["vendor/bootstrap-5.3.9/bootstrap.bundle.min.js"]
    css_map = Path(paths["vendor/bootstrap-5.3.9/bootstrap.min.css.map"]).name
    js_map = Path(paths["vendor/bootstrap-5.3.9/bootstrap.bundle.min.js.map"]).name
    assert f"sourceMappingURL={css_map}" in (root / css).read_text(encoding="utf-8")
    assert f"sourceMappingURL={js_map}" in (root / js).read_text(encoding="utf-8")
    assert (root / f"{css}.gz").is_file()
