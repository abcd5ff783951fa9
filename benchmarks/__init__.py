"""jaxlrs benchmarks: ``python -m benchmarks [--quick]`` runs them all on the default backend."""
