package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

var versionCommand = command{
	summary: "print the version",
	usage:   "Usage: stampede version\n\nPrints stampede's version, the Go version and the platform.\n",
	runE: func(_ context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usagef("takes no arguments")
		}
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Fprintf(e.stdout, "stampede %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	},
}
