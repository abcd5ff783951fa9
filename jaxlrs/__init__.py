"""jaxlrs: learning-rate schedules and fine-tuning tools for JAX, Optax and Flax."""

__version__ = "0.1.0"
