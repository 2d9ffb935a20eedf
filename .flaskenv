# Read by the `flask` command (python-dotenv) in this folder, so `.venv/bin/flask demo-code` and the other
# commands work after `make run` without variables. The environment wins over this file: production sets
# IPDESK_ENV=production (and its keys); gunicorn never reads it.
FLASK_APP=wsgi
IPDESK_ENV=development
