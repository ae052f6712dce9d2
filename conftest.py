pytest_plugins = ["secretary_testing.fixtures"]
