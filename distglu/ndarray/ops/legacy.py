"""MXNet 1.x's legacy output layers and other older operators (``SoftmaxOutput``, ...)."""
__all__ = []
