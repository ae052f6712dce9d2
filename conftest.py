pytest_plugins = ["secretary_testing.fixtures", "tests.chromium"]
