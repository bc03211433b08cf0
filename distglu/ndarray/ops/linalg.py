"""(family module, being written)"""
__all__ = []
