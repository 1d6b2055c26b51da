from nbguard.cli import main

raise SystemExit(main())
