"""The launcher (picks mpirun/mpiexec/srun or one process, sets per-rank threads and GPU).

It arrives with the distributed (MPI) runtime, which is not written yet; today a program
runs as a single process with ``python script.py``.
"""
