"""MXNet 1.x's fused optimizer update operators (``nd.sgd_update``, ``nd.adam_update``, ...)."""
__all__ = []
