import DriftCLI

DriftCommand.start()
