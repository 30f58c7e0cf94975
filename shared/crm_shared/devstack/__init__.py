"""The embedded development runtime: the Tansu broker plus the four services as supervised processes.

Run it with `python -m crm_shared.devstack run` (or `make run`). Pure logic lives in `config`,
process supervision in `supervisor`, the orchestration in `stack`, the command line in `cli`.
"""
