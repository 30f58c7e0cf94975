"""`python -m crm_shared.devstack run`."""

import sys

from crm_shared.devstack.cli import main

sys.exit(main())
