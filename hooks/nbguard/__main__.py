from nbguard.cli import console

console()
