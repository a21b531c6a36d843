"""ktpel's screen and command line. The core lives in `ledger/`."""
