"""Plain-Python clients of the remote systems.

Nothing here imports Odoo, so the clients can be read, used and tested alone.
"""
