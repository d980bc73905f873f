"""``python -m nscc_proj`` runs the ``nscc`` command."""

from nscc_proj.cli import main

main()
