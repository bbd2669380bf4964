import DriftCLI

DriftCommand.main()
