import agentloop
import agentloop.testing


def test_all_matches_the_public_namespace():
    for module in (agentloop, agentloop.testing):
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", "").startswith("agentloop")
        }
        assert public <= set(module.__all__), public - set(module.__all__)
        assert len(set(module.__all__)) == len(module.__all__)  # ruff RUF022 keeps it sorted
        for name in module.__all__:
            assert hasattr(module, name), name


def test_importing_agentloop_does_not_import_heavy_optional_modules():
    import subprocess
    import sys

    code = "import sys, agentloop; print(sorted(m for m in ('structlog', 'jsonschema', 'docstring_parser') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
