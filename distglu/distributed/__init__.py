"""Distributed runtime: communicators, gradient buckets, rank/world helpers.

A single process without MPI is a world of size one.
"""
from .grad_bucket import GradBuckets

__all__ = ['GradBuckets']
