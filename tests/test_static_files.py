"""The production image runs `collectstatic` with the manifest storage (Dockerfile): a
vendored file that names a file which is not there stops the build, and without the
manifest every page is a server error."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string

from cen_suite import settings as project_settings

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
# What the manifest storage follows (Django's ManifestStaticFilesStorage patterns), and
# what a browser fetches: a relative address in CSS, a source map comment in CSS or JS.
REFERENCE = re.compile(
    r"""url\(\s*['"]?(?P<url>[^'")\s]+)|@import\s+['"](?P<import>[^'"]+)['"]"""
    r"""|sourceMappingURL=(?P<map>\S+?)(?:\s|\*/|$)"""
)


def production_static_storage() -> str:
    backend = project_settings.STORAGES["staticfiles"]["BACKEND"]
    from django.contrib.staticfiles.storage import ManifestFilesMixin

    # The tests run with DEBUG off: this is the storage a deployment uses.
    assert issubclass(import_string(backend), ManifestFilesMixin)
    return backend


def test_collectstatic_with_the_production_storage_finds_every_referenced_file(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": production_static_storage()},
    }
    # MissingFileError (a ValueError) is raised here when a reference is dangling.
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text(encoding="utf-8")
    assert "vendor/chart.js-4.6.1/chart.umd.min.js" in manifest
    # The statistics map's outlines, under a hashed name the browser may keep.
    hashed = json.loads(manifest)["paths"]["vendor/natural-earth/world-map.svg"]
    assert re.fullmatch(r"vendor/natural-earth/world-map\.[0-9a-f]{12}\.svg", hashed)
    assert (tmp_path / hashed).read_bytes() == (VENDOR / "natural-earth/world-map.svg").read_bytes()


def test_every_relative_reference_in_a_vendored_file_names_a_vendored_file():
    missing = []
    for path in VENDOR.rglob("*"):
        if path.suffix not in (".css", ".js"):
            continue
        for match in REFERENCE.finditer(path.read_text(encoding="utf-8")):
            target = next(value for value in match.groups() if value)
            if re.match(r"^(data:|#|[a-z]+://|//)", target):
                continue
            if not (path.parent / target.split("?")[0].split("#")[0]).is_file():
                missing.append(f"{path.relative_to(VENDOR)} → {target}")
    assert missing == []
