"""Local simulators of Ongoing WMS and Fortnox for the tests and the demo.

Nothing here imports Odoo or the rest of the addon: ``python -m
simulators.ongoing`` runs from the repository root without it.
"""
