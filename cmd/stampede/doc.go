// Command stampede tests and load-simulates Socket.IO backends such as
// open-webui's. This package is the thin command line over the library
// packages: one flag set per subcommand, exit codes from one list
// (../shared/CLI.md). Run `stampede help` for usage.
package main
