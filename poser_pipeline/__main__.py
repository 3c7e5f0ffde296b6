import sys

from poser_pipeline.cli import main

sys.exit(main())
