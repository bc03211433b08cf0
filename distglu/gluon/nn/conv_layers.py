"""(layer family, being written)"""
__all__ = []
